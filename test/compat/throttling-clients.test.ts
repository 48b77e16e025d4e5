/**
 * The stock clients treat our Throttling answer as AWS's: the AWS SDK for JavaScript v3, boto3 (legacy and standard
 * retry modes) and the aws CLI back off and retry it. The server's clock is frozen and a bucket holds one token; a
 * relay in front of the server moves the clock on a second as a Throttling answer passes through it, so the client's
 * retry finds a token: no test sleeps, and the only wait is the client's own backoff.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { aws, boto3 } from '../helpers/clients.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const roomy = { perSecond: 1000, burst: 1000 };
let s: TestServer;
let relay: { server: Server; url: string; throttled: number };

before(async () => {
  s = await startTestServer({ throttle: { issue: roomy, requests: { perSecond: 1, burst: 1 }, failedAuth: roomy } });
  s.clock.freeze(Date.now());
  const server = createServer((client) => {
    const upstream = connect(s.port, '127.0.0.1');
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (chunk.includes('<Code>Throttling</Code>')) {
        relay.throttled++;
        s.clock.advance(1000); // one token, before the client even reads the answer
      }
      client.write(chunk);
    });
    upstream.on('end', () => client.end());
    for (const socket of [client, upstream]) socket.on('error', () => (client.destroy(), upstream.destroy()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay = { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, throttled: 0 };
});
after(async () => {
  relay.server.close();
  await s.close();
});

/** Leaves the root's bucket empty (the clock is frozen), so that the root's next call is throttled once. */
async function emptyTheBucket() {
  const client = new STSClient({ region: 'us-east-1', endpoint: s.url, credentials: s.root, maxAttempts: 1 });
  // Directly to the server, past the relay: it either takes the last token or is throttled without refilling.
  await client.send(new GetCallerIdentityCommand({})).catch(() => undefined);
  relay.throttled = 0;
}

test('AWS SDK for JavaScript v3: Throttling is a throttling error, retried after a backoff', async () => {
  await emptyTheBucket();
  const once = new STSClient({ region: 'us-east-1', endpoint: relay.url, credentials: s.root, maxAttempts: 1 });
  const err = await once.send(new GetCallerIdentityCommand({})).then(
    () => undefined,
    (e: unknown) => e as Record<string, unknown> & { $metadata: Record<string, unknown> },
  );
  assert.ok(err);
  assert.equal(err.name, 'Throttling');
  assert.equal(err.message, 'Rate exceeded');
  assert.equal(err.$fault, 'client');
  assert.equal(err.$metadata.httpStatusCode, 400);

  // The relay gave a token back. Take it, so that the next call is throttled and retried.
  const sdk = new STSClient({ region: 'us-east-1', endpoint: relay.url, credentials: s.root, maxAttempts: 3 });
  assert.equal((await sdk.send(new GetCallerIdentityCommand({}))).$metadata.attempts, 1);
  relay.throttled = 0;
  const retried = await sdk.send(new GetCallerIdentityCommand({}));
  assert.equal(relay.throttled, 1);
  assert.equal(retried.$metadata.attempts, 2);
  assert.ok(retried.$metadata.totalRetryDelay! > 0, 'backed off before retrying');
  assert.equal(retried.Account, s.running.app.accountId);

  // A 400 that is not throttling is not retried: the SDK told them apart by the code.
  const invalid = await sdk.send(new GetSessionTokenCommand({ DurationSeconds: 1 })).then(
    () => undefined,
    (e: { name: string; $metadata: { attempts?: number } }) => e,
  );
  assert.equal(invalid?.name, 'ValidationError');
  assert.equal(invalid?.$metadata.attempts, 1);
});

test('boto3, legacy and standard retry modes: Throttling is retried', async () => {
  await emptyTheBucket();
  const r = await boto3(
    { ...s, url: relay.url },
    s.root,
    `
def client(mode):
    return session.client("sts", endpoint_url=sts.meta.endpoint_url, config=botocore.config.Config(retries={"mode": mode, "max_attempts": 3}))
attempts = []
for mode in ("legacy", "standard"):
    who = client(mode).get_caller_identity()
    attempts.append([mode, who["ResponseMetadata"]["RetryAttempts"], who["Account"]])
out(attempts)
`,
  );
  const account = s.running.app.accountId;
  assert.deepEqual(r, [
    ['legacy', 1, account],
    ['standard', 1, account],
  ]);
  assert.equal(relay.throttled, 2);
});

test('the aws CLI retries Throttling (standard retry mode)', async () => {
  await emptyTheBucket();
  const r = await aws({ ...s, url: relay.url }, s.root, ['sts', 'get-caller-identity', '--debug'], 'us-east-1', {
    AWS_MAX_ATTEMPTS: '3',
    AWS_RETRY_MODE: 'standard',
  });
  assert.equal(r.code, 0, r.stderr.slice(-2000));
  assert.equal(r.json.Account, s.running.app.accountId);
  assert.match(r.stderr, /<Code>Throttling<\/Code>/);
  assert.match(r.stderr, /Retry needed, retrying request after delay of/);
  assert.equal(relay.throttled, 1);
});
