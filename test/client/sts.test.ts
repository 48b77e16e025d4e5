/** The STS client: XML parsing, Query serialization from the model, retries, clock skew, and real calls to OpenSTS. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { StsClient, StsRequestError, StsServiceError, credentialsFromResult } from '../../src/client/sts-client.js';
import {
  type OutputStructure,
  ParamValidationError,
  formEncode,
  serializeInput,
  stsModel,
} from '../../src/client/sts-model.js';
import { XmlError, parseXml, textAt } from '../../src/client/xml-parser.js';
import { parseResponse } from '../../src/client/http.js';
import { cliName } from '../../src/cli/sts.js';
import { formatText } from '../../src/cli/output.js';
import { type FakeSts, credentialsXml, defaultHandler, failure, startFakeSts, success } from '../helpers/fake-sts.js';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { createUserWithKey, sessionFor } from '../helpers/query.js';

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// XML.

test('xml: elements, entities, CDATA, comments, prefixes, declarations', () => {
  const root = parseXml(`\ufeff<?xml version="1.0" encoding="UTF-8"?>
<!-- c --><a:Root xmlns:a="urn:x" attr='1>2'><B>x &lt;&amp;&gt; &#65;&#x42; &quot;&apos;</B><C/><D><![CDATA[<raw>&amp;]]></D><E><F>deep</F></E></a:Root>`);
  assert.equal(root.name, 'Root');
  assert.equal(textAt(root, 'B'), 'x <&> AB "\'');
  assert.equal(textAt(root, 'C'), '');
  assert.equal(textAt(root, 'D'), '<raw>&amp;');
  assert.equal(textAt(root, 'E', 'F'), 'deep');
  assert.equal(textAt(root, 'Z'), undefined);
  for (const bad of [
    '<a><b></a>',
    '<a>',
    '',
    'text',
    '<a></a><b></b>',
    '<!DOCTYPE x [<!ENTITY e "x">]><a>&e;</a>',
    '<a>&bogus;</a>',
  ]) {
    assert.throws(() => parseXml(bad), XmlError, bad);
  }
});

test('http: response parsing with Content-Length, chunked bodies, 100-continue and close-delimited bodies', () => {
  const r = parseResponse(
    Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2\r\n\r\nhello'),
    false,
  )!;
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'hello');
  assert.equal(r.headers['x-a'], '1, 2');
  assert.equal(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel'), false), undefined);
  const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n';
  assert.equal(parseResponse(Buffer.from(chunked), false)!.body.toString(), 'abcde');
  assert.equal(parseResponse(Buffer.from(chunked.slice(0, 40)), false), undefined);
  assert.equal(parseResponse(Buffer.from('HTTP/1.0 503 x\r\n\r\nbody'), false), undefined);
  assert.equal(parseResponse(Buffer.from('HTTP/1.0 503 x\r\n\r\nbody'), true)!.body.toString(), 'body');
  assert.throws(() => parseResponse(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'), false), /not an HTTP\/1.1 response/);
});

// ---------------------------------------------------------------------------------------------
// Serialization from the model.

test('serializeInput: Action and Version first, members in model order, lists, structures, empty lists', () => {
  const pairs = serializeInput('AssumeRole', {
    Tags: [
      { Key: 'team', Value: 'a b' },
      { Key: 'x', Value: '' },
    ],
    RoleSessionName: 's1',
    RoleArn: 'arn:aws:iam::123456789012:role/r',
    PolicyArns: [],
    DurationSeconds: '900',
    TransitiveTagKeys: ['team'],
  });
  assert.deepEqual(pairs, [
    ['Action', 'AssumeRole'],
    ['Version', '2011-06-15'],
    ['RoleArn', 'arn:aws:iam::123456789012:role/r'],
    ['RoleSessionName', 's1'],
    ['PolicyArns', ''],
    ['DurationSeconds', '900'],
    ['Tags.member.1.Key', 'team'],
    ['Tags.member.1.Value', 'a b'],
    ['Tags.member.2.Key', 'x'],
    ['Tags.member.2.Value', ''],
    ['TransitiveTagKeys.member.1', 'team'],
  ]);
  assert.equal(
    formEncode([
      ['Policy', '{"a": "b c"}'],
      ['K', '~*'],
    ]),
    'Policy=%7B%22a%22%3A+%22b+c%22%7D&K=~*',
  );
  assert.deepEqual(
    serializeInput('AssumeRole', {
      RoleArn: 'a',
      RoleSessionName: 'b',
      PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/X' }],
    }).slice(4),
    [['PolicyArns.member.1.arn', 'arn:aws:iam::aws:policy/X']],
  );
  assert.throws(
    () => serializeInput('AssumeRole', { RoleArn: 'a' }),
    /Missing required parameter in AssumeRole: "RoleSessionName"/,
  );
  assert.throws(() => serializeInput('GetSessionToken', { Bogus: 1 }), ParamValidationError);
  assert.throws(() => serializeInput('GetSessionToken', { DurationSeconds: 'soon' }), /expected an integer/);
  assert.throws(() => serializeInput('NoSuchOp', {}), /Unknown STS operation/);
});

test('cliName turns member names into the aws CLI option names', () => {
  assert.deepEqual(
    ['RoleArn', 'DurationSeconds', 'SAMLAssertion', 'PolicyArns', 'WebIdentityToken', 'ProviderId', 'TokenCode'].map(
      cliName,
    ),
    [
      'role-arn',
      'duration-seconds',
      'saml-assertion',
      'policy-arns',
      'web-identity-token',
      'provider-id',
      'token-code',
    ],
  );
  // Every operation of the model gets a distinct command name.
  const names = Object.keys(stsModel().operations).map(cliName);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.includes('assume-role-with-web-identity') && names.includes('get-access-key-info'));
});

test('--output text is awscli/text.py', async (t) => {
  const samples = [
    {
      Credentials: {
        AccessKeyId: 'ASIA1',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: '2030-01-01T00:00:00Z',
      },
      AssumedRoleUser: { AssumedRoleId: 'AROA:s', Arn: 'arn:aws:sts::1:assumed-role/r/s' },
      PackedPolicySize: 6,
    },
    { UserId: 'AIDA', Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/a' },
    {
      Items: [
        { A: 1, B: true },
        { A: 2, C: 'x', Nested: { Z: 'z' } },
      ],
      List: ['a', 'b'],
      Empty: [],
      Mixed: [['x'], 'y'],
    },
  ] as OutputStructure[];
  assert.equal(
    formatText(samples[0]!),
    '6\nASSUMEDROLEUSER\tarn:aws:sts::1:assumed-role/r/s\tAROA:s\nCREDENTIALS\tASIA1\t2030-01-01T00:00:00Z\ts\tt\n',
  );
  assert.equal(formatText(samples[1]!), '123456789012\tarn:aws:iam::123456789012:user/a\tAIDA\n');
  const hasAwscli = await run('python3', ['-c', 'import awscli.text']).then(
    () => true,
    () => false,
  );
  assert.ok(hasAwscli, 'the test suite needs the aws CLI for python3 (README)');
  const script =
    'import json,sys,io\nfrom awscli.text import format_text\nout=[]\nfor s in json.loads(sys.argv[1]):\n    b=io.StringIO(); format_text(s,b); out.append(b.getvalue())\nprint(json.dumps(out))';
  const { stdout } = await run('python3', ['-c', script, JSON.stringify(samples)]);
  assert.deepEqual(samples.map(formatText), JSON.parse(stdout));
});

// ---------------------------------------------------------------------------------------------
// Against a scripted server: errors, retries, skew.

let fake: FakeSts;
before(async () => {
  fake = await startFakeSts();
});
after(async () => {
  await fake.close();
});
const KEYS = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' };
const fakeClient = (extra: Record<string, unknown> = {}) =>
  new StsClient({
    endpoint: fake.url,
    region: 'eu-west-1',
    credentials: KEYS,
    env: {},
    sleep: async () => {},
    ...extra,
  });

test('a call is signed for the client region, with model-ordered form parameters; results keep model order', async () => {
  fake.requests.length = 0;
  fake.reply = defaultHandler;
  const { result, requestId } = await fakeClient().assumeRole({
    RoleSessionName: 's',
    RoleArn: 'arn:aws:iam::210987654321:role/r',
    DurationSeconds: 900,
  });
  assert.deepEqual(Object.keys(result), ['Credentials', 'AssumedRoleUser', 'PackedPolicySize']);
  assert.equal(result.PackedPolicySize, 6);
  assert.match(requestId!, /^req-/);
  const sent = fake.requests[0]!;
  assert.equal(sent.region, 'eu-west-1');
  assert.equal(sent.accessKeyId, 'AKIAEXAMPLE');
  assert.equal(sent.headers['content-type'], 'application/x-www-form-urlencoded; charset=utf-8');
  assert.match(String(sent.headers.authorization), /SignedHeaders=content-type;host;x-amz-date,/);
  const creds = credentialsFromResult(result);
  assert.equal(creds.accountId, '210987654321');
  assert.ok(creds.expiration instanceof Date && creds.expiration.getTime() > Date.now());
});

test('unsigned operations carry no Authorization and need no credentials', async () => {
  fake.requests.length = 0;
  const client = new StsClient({ endpoint: fake.url, region: 'us-east-1', env: {} });
  await client.assumeRoleWithWebIdentity({
    RoleArn: 'arn:aws:iam::123456789012:role/w',
    RoleSessionName: 'w',
    WebIdentityToken: 'jwt',
  });
  assert.equal(fake.requests[0]!.headers.authorization, undefined);
  await assert.rejects(client.getCallerIdentity(), /no credentials to sign the request with/);
});

test('service errors keep code, message, status and request id; 4xx are not retried', async () => {
  fake.requests.length = 0;
  fake.reply = () =>
    failure(403, 'AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.');
  const err = await fakeClient()
    .getSessionToken({ SerialNumber: 'arn:aws:iam::123456789012:mfa/a', TokenCode: '000000' })
    .catch((e: unknown) => e);
  assert.ok(err instanceof StsServiceError);
  assert.equal(err.code, 'AccessDenied');
  assert.equal(err.statusCode, 403);
  assert.match(err.requestId!, /^err-/);
  assert.equal(
    err.message,
    'An error occurred (AccessDenied) when calling the GetSessionToken operation: MultiFactorAuthentication failed with invalid MFA one time pass code.',
  );
  assert.equal(fake.requests.length, 1);
});

test('throttling and 5xx are retried with backoff up to maxAttempts', async () => {
  fake.requests.length = 0;
  const delays: number[] = [];
  fake.reply = (_req, i) =>
    i === 0
      ? failure(400, 'Throttling', 'Rate exceeded')
      : i === 1
        ? { status: 503, body: 'Service Unavailable' }
        : defaultHandler(_req, i);
  const { result } = await fakeClient({
    sleep: async (ms: number) => void delays.push(ms),
    maxAttempts: 3,
  }).getCallerIdentity();
  assert.equal(result.Account, '123456789012');
  assert.equal(fake.requests.length, 3);
  assert.equal(delays.length, 2);
  assert.ok(delays[0]! <= 200 && delays[1]! <= 400, String(delays));

  fake.requests.length = 0;
  fake.reply = () => failure(500, 'InternalFailure', 'oops');
  await assert.rejects(fakeClient({ maxAttempts: 2 }).getCallerIdentity(), /InternalFailure/);
  assert.equal(fake.requests.length, 2);
});

test('a SignatureDoesNotMatch clock-skew error corrects the clock from the Date header, once', async () => {
  fake.requests.length = 0;
  const serverNow = Date.now() + 20 * 60_000; // the server is 20 minutes ahead
  fake.reply = (req, i) => {
    const amz = String(req.headers['x-amz-date']);
    const sent = Date.UTC(
      +amz.slice(0, 4),
      +amz.slice(4, 6) - 1,
      +amz.slice(6, 8),
      +amz.slice(9, 11),
      +amz.slice(11, 13),
      +amz.slice(13, 15),
    );
    const date = { date: new Date(serverNow + i * 10).toUTCString() };
    return Math.abs(sent - serverNow) > 15 * 60_000
      ? failure(403, 'SignatureDoesNotMatch', 'Signature expired', date)
      : { ...defaultHandler(req, i), headers: { ...date } };
  };
  const client = fakeClient();
  const { result } = await client.getCallerIdentity();
  assert.equal(result.Account, '123456789012');
  assert.equal(fake.requests.length, 2);
  assert.ok(Math.abs(client.systemClockOffsetMs - 20 * 60_000) < 5000, String(client.systemClockOffsetMs));
  // A wrong secret (no skew) is not retried.
  fake.requests.length = 0;
  fake.reply = () =>
    failure(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match', {
      date: new Date().toUTCString(),
    });
  await assert.rejects(fakeClient().getCallerIdentity(), /SignatureDoesNotMatch/);
  assert.equal(fake.requests.length, 1);
});

test('answers that are not STS are clear errors; an unreachable endpoint is retried and then reported', async () => {
  fake.reply = () => ({ body: '<html><body>hello</body></html>' });
  await assert.rejects(
    fakeClient().getCallerIdentity(),
    /expected <GetCallerIdentityResponse>, got <html>; is this an STS endpoint\?/,
  );
  fake.reply = () => ({ status: 502, body: 'Bad gateway' });
  await assert.rejects(
    fakeClient({ maxAttempts: 1 }).getCallerIdentity(),
    (e: unknown) => e instanceof StsRequestError && /HTTP 502: Bad gateway/.test(e.message),
  );
  fake.reply = () => ({ body: success('GetCallerIdentity', '<Account>1</Account>').body, delayMs: 500 });
  await assert.rejects(fakeClient({ timeoutMs: 50, maxAttempts: 1 }).getCallerIdentity(), /ETIMEDOUT/);
  const closed = new StsClient({
    endpoint: 'http://127.0.0.1:1',
    region: 'eu-west-1',
    credentials: KEYS,
    env: {},
    sleep: async () => {},
    maxAttempts: 2,
  });
  await assert.rejects(closed.getCallerIdentity(), /ECONNREFUSED/);
  fake.reply = defaultHandler;
});

test('endpoint resolution: explicit > AWS_ENDPOINT_URL_STS > AWS_ENDPOINT_URL; AWS default is regional; path prefixes are kept', async () => {
  assert.equal(new StsClient({ region: 'eu-west-1', env: {} }).endpoint.url, 'https://sts.eu-west-1.amazonaws.com');
  assert.equal(
    new StsClient({ region: 'eu-west-1', env: { AWS_STS_REGIONAL_ENDPOINTS: 'legacy' } }).endpoint.url,
    'https://sts.amazonaws.com',
  );
  assert.equal(
    new StsClient({ region: 'eu-west-1', env: { AWS_ENDPOINT_URL: 'http://a', AWS_ENDPOINT_URL_STS: 'http://b' } })
      .endpoint.url,
    'http://b',
  );
  assert.equal(new StsClient({ env: { AWS_REGION: 'ap-south-1' } }).region, 'ap-south-1');
  assert.throws(() => new StsClient({ env: { AWS_ENDPOINT_URL: 'http://x' } }), /You must specify a region/);
  fake.requests.length = 0;
  await new StsClient({
    endpoint: `${fake.url}/prefix/sts`,
    region: 'eu-west-1',
    credentials: KEYS,
    env: {},
  }).getCallerIdentity();
  assert.equal(fake.requests[0]!.url, '/prefix/sts');
});

// ---------------------------------------------------------------------------------------------
// Against OpenSTS.

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

test('OpenSTS: GetCallerIdentity, GetSessionToken, GetAccessKeyInfo and errors through StsClient', async () => {
  const alice = await createUserWithKey(server, 'client-alice');
  const client = new StsClient({ endpoint: server.url, region: 'eu-central-1', credentials: alice, env: {} });
  const me = await client.getCallerIdentity();
  assert.deepEqual(Object.keys(me.result), ['UserId', 'Account', 'Arn']);
  assert.match(String(me.result.Arn), /:user\/client-alice$/);
  const session = await client.getSessionToken({ DurationSeconds: 900 });
  const creds = credentialsFromResult(session.result);
  assert.match(creds.accessKeyId, /^ASIA/);
  assert.ok(Math.abs(creds.expiration!.getTime() - server.clock.now() - 900_000) < 5000);
  const asSession = new StsClient({ endpoint: server.url, region: 'eu-central-1', credentials: creds, env: {} });
  assert.equal((await asSession.getCallerIdentity()).result.Arn, me.result.Arn);
  // GetAccessKeyInfo needs an sts:GetAccessKeyInfo allow; the root has it.
  const asRoot = new StsClient({ endpoint: server.url, region: 'eu-central-1', credentials: server.root, env: {} });
  const info = await asRoot.getAccessKeyInfo({ AccessKeyId: creds.accessKeyId });
  assert.equal(info.result.Account, me.result.Account);
  const denied = await asSession.getSessionToken().catch((e: unknown) => e);
  assert.ok(denied instanceof StsServiceError && denied.code === 'AccessDenied', String(denied));
  const wrongSecret = new StsClient({
    endpoint: server.url,
    region: 'eu-central-1',
    credentials: { ...alice, secretAccessKey: 'nope' },
    env: {},
  });
  await assert.rejects(
    wrongSecret.getCallerIdentity(),
    (e: unknown) => e instanceof StsServiceError && e.code === 'SignatureDoesNotMatch',
  );
});

test('OpenSTS: a client whose clock is 20 minutes behind corrects itself from the Date header', async () => {
  const alice = await createUserWithKey(server, 'client-skew');
  const client = new StsClient({
    endpoint: server.url,
    region: 'eu-central-1',
    credentials: alice,
    env: {},
    now: () => server.clock.now() - 20 * 60_000,
  });
  const { result } = await client.getCallerIdentity();
  assert.match(String(result.Arn), /client-skew/);
  assert.ok(Math.abs(client.systemClockOffsetMs - 20 * 60_000) < 5000);
});

test('OpenSTS: an expired session token is ExpiredToken', async () => {
  const alice = await createUserWithKey(server, 'client-expired');
  const { expiration: _, ...session } = await sessionFor(server, alice, { DurationSeconds: 900 });
  server.clock.advance(901_000);
  try {
    const client = new StsClient({
      endpoint: server.url,
      region: 'eu-central-1',
      credentials: session,
      env: {},
      now: () => server.clock.now(),
    });
    await assert.rejects(
      client.getCallerIdentity(),
      (e: unknown) => e instanceof StsServiceError && e.code === 'ExpiredToken',
    );
  } finally {
    server.clock.advance(-901_000);
  }
});

test('credentialsFromResult refuses answers without credentials', () => {
  assert.throws(() => credentialsFromResult({}), /no Credentials/);
  assert.match(credentialsXml(), /<Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/Expiration>/);
});

test('https: certificates are verified; AWS_CA_BUNDLE adds a private CA', async (t) => {
  const certDir = await mkdtemp(join(tmpdir(), 'opensts-tls-'));
  try {
    const key = join(certDir, 'key.pem');
    const cert = join(certDir, 'cert.pem');
    const made = await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]).then(
      () => true,
      () => false,
    );
    assert.ok(made, 'this test needs the openssl command');
    const tls = createHttpsServer({ key: await readFile(key), cert: await readFile(cert) }, (req, res) => {
      req.resume();
      req.on('end', () => {
        const reply = defaultHandler(
          { method: 'POST', url: '/', headers: {}, params: { Action: 'GetCallerIdentity' } },
          0,
        ) as { body: string };
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      const endpoint = `https://localhost:${(tls.address() as AddressInfo).port}`;
      const trusted = new StsClient({ endpoint, region: 'eu-west-1', credentials: KEYS, env: { AWS_CA_BUNDLE: cert } });
      assert.equal((await trusted.getCallerIdentity()).result.Account, '123456789012');
      const untrusted = new StsClient({ endpoint, region: 'eu-west-1', credentials: KEYS, env: {}, maxAttempts: 1 });
      await assert.rejects(
        untrusted.getCallerIdentity(),
        (e: unknown) => e instanceof StsRequestError && /self[- ]signed|unable to verify|DEPTH_ZERO/i.test(e.message),
      );
    } finally {
      await new Promise((r) => tls.close(r));
    }
  } finally {
    await rm(certDir, { recursive: true, force: true });
  }
});
