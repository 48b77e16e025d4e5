/** unreachable(): a switch that misses a member of its union does not compile, and never quotes the value it got. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SessionClaims } from '../src/tokens/session-token.js';
import { unreachable } from '../src/unreachable.js';

/** A session of a kind the code does not know yet, with a secret. */
type NewKind = { kind: 'new'; secretAccessKey: string };

function kindWord(s: SessionClaims | NewKind): string {
  switch (s.kind) {
    case 'session':
    case 'role':
    case 'federated':
      return s.kind;
    default:
      // @ts-expect-error: 'new' has no case, so `s` is not `never` here; with every kind handled this line compiles.
      return unreachable(s, 'session kind');
  }
}

test('a switch over the session kinds that misses one is a compile error, and at run time an error without the value', () => {
  assert.throws(
    () => kindWord({ kind: 'new', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }),
    (err: Error) => err.message === 'unreachable: a session kind that no case handles',
  );
});
