/**
 * A node that loses its database: it keeps verifying tokens (and the keys it has cached), reports not-ready on
 * /readyz (while /healthz, liveness, stays 200), answers what needs the database with ServiceUnavailable, reconnects by itself, and then drops its
 * caches because it may have missed other nodes' changes meanwhile. The database "goes away" behind a TCP proxy
 * that the test cuts and restores; the test waits by polling /readyz, never by sleeping a guessed time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { skipPostgres, TEST_DATABASE_URL, TestSchemas } from '../helpers/postgres.js';
import { ROOT, startNode, waitFor } from '../helpers/nodes.js';
import { call, createUserWithKey, errorCode, sessionFor } from '../helpers/query.js';
import type { TestServer } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

describe('a node that loses its database', { skip: skipPostgres }, () => {
  const schemas = new TestSchemas();
  let proxy: TcpProxy;
  let node: TestServer;
  let direct: PostgresStore;

  before(async () => {
    const { url } = schemas.create();
    const db = new URL(TEST_DATABASE_URL);
    proxy = await TcpProxy.start({ host: db.hostname, port: Number(db.port || 5432) });
    const viaProxy = new URL(url);
    viaProxy.port = String(proxy.port);
    node = await startNode({ storeUrl: viaProxy.toString() });
    // Another node's view of the same store, with its own path to the database.
    direct = await PostgresStore.open({ url });
  });
  after(async () => {
    await node?.close();
    await direct?.close();
    await proxy?.close();
    await schemas.cleanup();
  });

  const readyz = async () => (await fetch(`${node.url}/readyz`)).status;
  const who = (c: Credentials) => call(node, 'GetCallerIdentity', {}, c);

  test('keeps verifying tokens, reports not-ready, recovers by itself and drops its caches', async () => {
    const alice = await createUserWithKey(node, 'alice');
    const bob = await createUserWithKey(node, 'bob');
    const session = await sessionFor(node, alice);
    // Warm the caches: alice's and bob's keys are known to the node.
    for (const c of [alice, bob, session]) assert.equal((await who(c)).status, 200);
    assert.equal(await readyz(), 200);

    await proxy.cut();
    await waitFor('/readyz to report 503', async () => (await readyz()) === 503);
    const probe = await fetch(`${node.url}/readyz`);
    assert.deepEqual(
      [probe.status, await probe.json()],
      [503, { status: 'not-ready', store: 'unreachable', keys: 'loaded' }],
    );
    assert.equal((await fetch(`${node.url}/healthz`)).status, 200, 'alive: no reason to restart it');

    // What needs only the token, or a key already cached, still works.
    for (const c of [session, alice, bob]) assert.equal((await who(c)).status, 200);
    const during = await sessionFor(node, bob);
    assert.equal((await who(during)).status, 200);
    // What needs the database is a retryable fault, not a bug.
    const write = await call(node, 'CreateUser', { UserName: 'carol' }, ROOT, { service: 'iam' });
    assert.equal(write.status, 503);
    assert.equal(errorCode(write), 'ServiceUnavailable');

    // Meanwhile another node deactivates bob's key: this node cannot hear of it.
    assert.equal(await direct.updateAccessKeyStatus(bob.accessKeyId, 'Inactive'), true);

    await proxy.restore();
    await waitFor('/readyz to report 200 again', async () => (await readyz()) === 200);

    // Back: writes work, and the missed change applies (the caches were dropped on reconnecting).
    assert.equal((await call(node, 'CreateUser', { UserName: 'carol' }, ROOT, { service: 'iam' })).status, 200);
    assert.equal(errorCode(await who(bob)), 'InvalidClientTokenId');
    assert.equal(errorCode(await who(during)), 'InvalidClientTokenId', 'sessions die with their key');
    assert.equal((await who(alice)).status, 200);
    assert.equal((await who(session)).status, 200);
  });
});
