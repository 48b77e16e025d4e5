/**
 * `opensts recover-root-key` while a server runs on the store: the new key works on that server, a key deleted with
 * --delete-key stops working, the two-keys limit holds, and the audit log records the change without the secret.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { AdminIo } from '../../src/cli/admin.js';
import { recoverRootKey } from '../../src/cli/recover-root-key.js';
import type { Credentials } from '../../src/sigv4/index.js';
import pino from 'pino';
import { ManualClock } from '../../src/clock.js';
import { startServer } from '../../src/server/serve.js';
import { dropSchema, newSchema, skipPostgres } from '../helpers/postgres.js';
import { call, errorCode, xmlText } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'opensts-recover-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function io(env: NodeJS.ProcessEnv = {}): AdminIo & { text: () => string } {
  let text = '';
  return { env, out: (t) => void (text += t), now: Date.now, text: () => text };
}

const keyIn = (text: string): Credentials => ({
  accessKeyId: /export AWS_ACCESS_KEY_ID=(\S+)/.exec(text)![1]!,
  secretAccessKey: /export AWS_SECRET_ACCESS_KEY=(\S+)/.exec(text)![1]!,
});

/** Until the server has noticed the other process's write (SQLite: its data_version poll; asked at once here). */
async function callerArn(s: TestServer, creds: Credentials): Promise<string | undefined> {
  const store = s.running.app.store as { checkExternalChanges?: () => void };
  store.checkExternalChanges?.();
  const r = await call(s, 'GetCallerIdentity', {}, creds);
  return r.status === 200 ? xmlText(r.body, 'Arn') : errorCode(r);
}

// SQLite: the command writes the data dir the server runs on (a second connection, as a separate process would).
test('a new root key while the server runs; at two keys, only with --delete-key; every change in the audit log', async () => {
  const s = await startTestServer({ store: 'sqlite' });
  const auditLog = join(dir, 'audit.log');
  try {
    const rootArn = `arn:aws:iam::${s.running.app.accountId}:root`;
    const first = io();
    assert.equal(await recoverRootKey(['--data-dir', s.dataDir, '--audit-log', auditLog], first), 0);
    const second = keyIn(first.text());
    assert.match(
      first.text(),
      new RegExp(
        `^New root access key for account \\d{12} in sqlite:${s.dataDir}, shown once:\n\nexport AWS_ACCESS_KEY_ID=AKIA[A-Z0-9]{16}\nexport AWS_SECRET_ACCESS_KEY=\\S{40}\n\nRecorded in the audit log ${auditLog}\\.\n$`,
      ),
    );
    assert.equal(await callerArn(s, second), rootArn);
    assert.equal(await callerArn(s, s.root), rootArn, 'the lost key is not touched unless named');

    // Two keys: refused, naming both, and nothing changes.
    const refused = io();
    await assert.rejects(
      recoverRootKey(['--data-dir', s.dataDir, '--audit-log', auditLog], refused),
      new RegExp(
        `has 2 access keys, the most it may have: ${s.root.accessKeyId} \\(Active, created .*\\), ${second.accessKeyId} \\(Active, created .*\\)\\. Name the one to delete with --delete-key ID .*nothing was changed`,
      ),
    );
    await assert.rejects(
      recoverRootKey(['--data-dir', s.dataDir, '--delete-key', 'AKIANOTAKEYOFROOT000'], io()),
      /AKIANOTAKEYOFROOT000 is not an access key of the root/,
    );

    const third = io();
    assert.equal(
      await recoverRootKey(
        ['--data-dir', s.dataDir, '--delete-key', s.root.accessKeyId, '--audit-log', auditLog],
        third,
      ),
      0,
    );
    assert.match(third.text(), new RegExp(`^Deleted root access key ${s.root.accessKeyId}\\.\nNew root access key`));
    assert.equal(await callerArn(s, s.root), 'InvalidClientTokenId');
    assert.equal(await callerArn(s, keyIn(third.text())), rootArn);
    assert.equal(await callerArn(s, second), rootArn);

    const events = readFileSync(auditLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      events.map((e) => [e.eventName, e.eventType, e.userIdentity.arn, e.userIdentity.invokedBy]),
      [
        ['CreateAccessKey', 'AwsServiceEvent', rootArn, 'opensts recover-root-key'],
        ['DeleteAccessKey', 'AwsServiceEvent', rootArn, 'opensts recover-root-key'],
        ['CreateAccessKey', 'AwsServiceEvent', rootArn, 'opensts recover-root-key'],
      ],
    );
    assert.equal(events[0].responseElements.accessKey.accessKeyId, second.accessKeyId);
    assert.equal(events[1].requestParameters.accessKeyId, s.root.accessKeyId);
    const log = readFileSync(auditLog, 'utf8');
    assert.ok(
      !log.includes(second.secretAccessKey) && !log.includes(keyIn(third.text()).secretAccessKey),
      'no secret in the audit log',
    );
  } finally {
    await s.close();
  }
});

test('without the store or its master key there is nothing to recover', async () => {
  await assert.rejects(recoverRootKey(['--data-dir', join(dir, 'none')], io()), /No OpenSTS store in .*none/);
});

test('PostgreSQL: recovered on the shared store, the new key works on every node at once, the deleted one nowhere', {
  skip: skipPostgres,
}, async () => {
  const { schema, url } = newSchema();
  const env = { OPENSTS_MASTER_KEY: 'cd'.repeat(32) };
  const clock = new ManualClock();
  const node = () =>
    startServer({
      port: 0,
      dataDir: join(dir, 'pg-unused'),
      storeUrl: url,
      env,
      clock,
      log: pino({ level: 'silent' }),
    });
  const a = await node();
  const b = await node();
  const view = (n: typeof a) =>
    ({ url: n.url, host: `127.0.0.1:${n.port}`, clock, running: n }) as unknown as TestServer;
  try {
    const lost = a.rootCredentials!;
    const out = io(env);
    assert.equal(await recoverRootKey(['--store', url, '--delete-key', lost.accessKeyId], out), 0);
    assert.match(out.text(), /Not written to an audit log \(no --audit-log or OPENSTS_AUDIT_LOG\)\.\n$/);
    const recovered = keyIn(out.text());
    // The command's write was acknowledged once every node listening had heard of it: no polling here.
    for (const n of [a, b]) {
      assert.match((await callerArn(view(n), recovered))!, /:root$/);
      assert.equal(await callerArn(view(n), lost), 'InvalidClientTokenId');
    }
  } finally {
    await a.close();
    await b.close();
    await dropSchema(schema);
  }
});
