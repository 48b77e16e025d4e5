/**
 * Several worker processes writing one store at once (`opensts serve --workers 2`): AWS's invariants hold and no
 * request fails for the store's sake (SQLite: each write takes the write lock before its first read; PostgreSQL:
 * every worker is a node of its own, and writes take the store's write lock).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { skipPostgres, TestSchemas } from '../helpers/postgres.js';
import { call, errorCode } from '../helpers/query.js';
import { spawnServe } from '../helpers/server.js';

const ROOT: Credentials = {
  accessKeyId: 'AKIAOPENSTSWORKERS01',
  secretAccessKey: 'workers-test-root-secret-0123456789abcdef',
};

const schemas = new TestSchemas();
after(() => schemas.cleanup());

for (const store of ['SQLite', 'PostgreSQL'] as const) {
  test(`${store}: two workers creating keys and users at once: two keys per user, one user per name, no failure`, {
    skip: store === 'PostgreSQL' && skipPostgres,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opensts-workers-'));
    const storeArgs = store === 'PostgreSQL' ? ['--store', schemas.create().url] : [];
    const serve = await spawnServe(['--data-dir', dir, '--workers', '2', ...storeArgs], ROOT);
    try {
      const { server } = serve;
      const iam = { service: 'iam' as const };
      assert.equal((await call(server, 'CreateUser', { UserName: 'race' }, ROOT, iam)).status, 200);
      const keys = await Promise.all(
        Array.from({ length: 16 }, () => call(server, 'CreateAccessKey', { UserName: 'race' }, ROOT, iam)),
      );
      assert.deepEqual(
        keys.map((r) => r.status).filter((s) => s !== 200 && s !== 409),
        [],
        keys.map((r) => errorCode(r)).join(),
      );
      assert.equal(keys.filter((r) => r.status === 200).length, 2);
      assert.ok(keys.filter((r) => r.status === 409).every((r) => errorCode(r) === 'LimitExceeded'));
      const users = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          call(server, 'CreateUser', { UserName: i % 2 ? 'Same' : 'same' }, ROOT, iam),
        ),
      );
      assert.equal(users.filter((r) => r.status === 200).length, 1, users.map((r) => errorCode(r)).join());
      assert.ok(users.filter((r) => r.status !== 200).every((r) => errorCode(r) === 'EntityAlreadyExists'));
    } finally {
      await serve.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
