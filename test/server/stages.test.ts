/**
 * The request path's stages (src/server/stages/), each alone, on a request state made by hand and an App that has
 * only what the stage may use: any other part of the App it touches throws ("tripwire"), so a test also shows what a
 * stage does not reach (no key lookup before the throttle, no authorization before validation).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import type { KeyIdentity } from '../../src/iam/directory.js';
import { AwsError } from '../../src/protocol/errors.js';
import { dispatch, type QueryRequest } from '../../src/server/dispatch.js';
import { findOperation } from '../../src/server/operations.js';
import { authenticate } from '../../src/server/stages/authenticate.js';
import { parse } from '../../src/server/stages/parse.js';
import { read } from '../../src/server/stages/read.js';
import { failure, render, renderFailure } from '../../src/server/stages/render.js';
import { enter, leave, requestState, type RequestState } from '../../src/server/stages/state.js';
import { throttleAddress, throttleCaller } from '../../src/server/stages/throttle.js';
import { STAGES, Stage, StageTimes, TIMED_ONE_IN } from '../../src/server/stages/timing.js';
import { validate } from '../../src/server/stages/validate.js';
import { toWireError } from '../../src/server/wire-error.js';
import type { App } from '../../src/service/app.js';
import { Throttle, type ThrottleLimits } from '../../src/service/throttle.js';
import { signRequest, type Credentials } from '../../src/sigv4/index.js';
import { formBody } from '../helpers/query.js';

const ACCOUNT = '123456789012';
const ROOT: Credentials = {
  accessKeyId: 'AKIASTAGESTESTROOT01',
  secretAccessKey: 'stages-test-root-secret-0123456789abcdef',
};
const USER: Credentials = {
  accessKeyId: 'AKIASTAGESTESTUSER01',
  secretAccessKey: 'stages-test-user-secret-0123456789abcdef',
};
const HOST = 'sts.example.test';
const LIMITS: ThrottleLimits = {
  issue: { perSecond: 1000, burst: 1000 },
  requests: { perSecond: 1000, burst: 1000 },
  failedAuth: { perSecond: 1, burst: 1 },
};

/** An App with only the given parts (and a clock, options, endpoint, throttle, store); any other part throws. */
function tripwireApp(parts: Record<string, unknown> = {}): App & { lookups: string[] } {
  const lookups: string[] = [];
  const base: Record<string, unknown> = {
    clock: new ManualClock(),
    options: { region: 'us-east-1' },
    endpoint: { kind: 'any' },
    accountId: ACCOUNT,
    throttle: new Throttle(LIMITS),
    store: { available: () => true },
    keyUses: { note: () => {} },
    settings: { get: async () => ({ regions: new Map(), globalEndpointTokenVersion: 1 }) },
    // The root's key, from the directory: every lookup is recorded.
    directory: {
      accessKey: async (id: string): Promise<KeyIdentity | undefined> => {
        lookups.push(id);
        if (id === ROOT.accessKeyId)
          return {
            accessKeyId: id,
            accountId: ACCOUNT,
            status: 'Active',
            secretAccessKey: ROOT.secretAccessKey,
            principal: { type: 'root', accountId: ACCOUNT },
          };
        if (id === USER.accessKeyId)
          return {
            accessKeyId: id,
            accountId: ACCOUNT,
            status: 'Active',
            secretAccessKey: USER.secretAccessKey,
            principal: {
              type: 'user',
              accountId: ACCOUNT,
              userId: 'AIDASTAGESTESTUSER01',
              userName: 'carol',
              path: '/',
            },
          };
        return undefined;
      },
    },
    lookups,
    ...parts,
  };
  base.store = tripwire(base.store as Record<string, unknown>, 'app.store');
  return tripwire(base, 'app') as unknown as App & { lookups: string[] };
}

function tripwire<T extends Record<string, unknown>>(parts: T, name: string): T {
  return new Proxy(parts, {
    get(target, key) {
      if (key in target || typeof key === 'symbol' || key === 'then') return target[key as string];
      throw new Error(`the stage reached ${name}.${key}`);
    },
  });
}

/** A Query request as http.ts hands it to dispatch(): a form POST, signed with `credentials` unless undefined. */
function queryRequest(
  app: App,
  action: string | undefined,
  params: Record<string, string> = {},
  options: { credentials?: Credentials; service?: 'sts' | 'iam'; version?: string | null; acceptJson?: boolean } = {},
): QueryRequest {
  const service = options.service ?? 'sts';
  const version = options.version === undefined ? { sts: '2011-06-15', iam: '2010-05-08' }[service] : options.version;
  const body = formBody(action, params, version);
  const headers: Record<string, string> = { host: HOST, 'content-type': 'application/x-www-form-urlencoded' };
  if (options.credentials) {
    Object.assign(
      headers,
      signRequest({
        method: 'POST',
        url: '/',
        headers,
        body,
        credentials: options.credentials,
        region: 'us-east-1',
        service,
        now: new Date(app.clock.now()),
      }),
    );
  }
  return {
    method: 'POST',
    url: '/',
    headers: Object.entries(headers),
    body: Buffer.from(body),
    sourceIp: '192.0.2.7',
    secureTransport: true,
    contentType: headers['content-type'],
    host: HOST,
    acceptJson: options.acceptJson,
  };
}

/** The state after read and parse. */
function parsed(app: App, req: QueryRequest): RequestState {
  const s = requestState(app, req);
  read(s);
  parse(s);
  return s;
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof AwsError) return `${err.status} ${err.code}`;
    throw err;
  }
  return 'none';
};

test('read: the query string and a form body, both', () => {
  const app = tripwireApp();
  const req = queryRequest(app, 'GetCallerIdentity');
  const s = requestState(app, { ...req, url: '/?X=1' });
  read(s);
  assert.deepEqual(Object.fromEntries(s.params), { X: '1', Action: 'GetCallerIdentity', Version: '2011-06-15' });
  // Not a form: the body is not parameters.
  const t = requestState(app, { ...req, contentType: 'text/plain' });
  read(t);
  assert.equal(t.params.size, 0);
});

test('parse: the service from Version, else from the credential scope, else STS', () => {
  const app = tripwireApp();
  const iam = parsed(app, queryRequest(app, 'ListUsers', {}, { service: 'iam', credentials: ROOT }));
  assert.deepEqual([iam.service, iam.op?.name, iam.signed, iam.endpoint], ['iam', 'ListUsers', true, undefined]);

  // No Version: the credential scope says iam.
  const scoped = parsed(app, queryRequest(app, 'ListUsers', {}, { service: 'iam', version: null, credentials: ROOT }));
  assert.deepEqual([scoped.service, scoped.op?.name], ['iam', 'ListUsers']);

  // No Version and no signature: STS.
  const bare = parsed(app, queryRequest(app, 'GetCallerIdentity', {}, { version: null }));
  assert.deepEqual(
    [bare.service, bare.op?.name, bare.info, bare.region],
    ['sts', 'GetCallerIdentity', undefined, 'us-east-1'],
  );

  // A Version of neither API names no operation: refused after authentication (validate), not here.
  const other = parsed(app, queryRequest(app, 'GetCallerIdentity', {}, { version: '2099-01-01', credentials: ROOT }));
  assert.deepEqual([other.service, other.op, other.signed], ['sts', undefined, true]);

  // Unsigned operations are marked so; a malformed signature is kept for the operations that need one.
  const web = parsed(app, queryRequest(app, 'AssumeRoleWithWebIdentity'));
  assert.equal(web.signed, false);
  const req = queryRequest(app, 'GetCallerIdentity');
  const garbled = parsed(app, { ...req, headers: [...req.headers, ['Authorization', 'AWS4-HMAC-SHA256 nonsense']] });
  assert.equal(toWireError(garbled.authError)?.code, 'IncompleteSignature');

  const s = requestState(app, queryRequest(app, undefined));
  read(s);
  assert.equal(
    code(() => parse(s)),
    '400 MissingAction',
  );
});

test('throttle: an address out of failed authentications is refused before any key lookup', async () => {
  const app = tripwireApp();
  app.throttle.authenticationFailed('192.0.2.7', app.clock.now());
  const s = parsed(app, queryRequest(app, 'GetCallerIdentity', {}, { credentials: ROOT }));
  assert.equal(
    code(() => throttleAddress(s)),
    '400 Throttling',
  );
  assert.equal(s.throttled, 'failed_auth');

  // The whole path, too: a Throttling answer and not one lookup of the key.
  const reply = await dispatch(app, queryRequest(app, 'GetCallerIdentity', {}, { credentials: ROOT }), () => {});
  assert.deepEqual(
    [reply.status, reply.code, reply.throttled, reply.caller],
    [400, 'Throttling', 'failed_auth', undefined],
  );
  assert.deepEqual(app.lookups, []);
  assert.equal(reply.claimedAccessKeyId, ROOT.accessKeyId);
});

test('throttle: unsigned calls take from their address, signed ones from their caller after authentication', async () => {
  const app = tripwireApp({
    throttle: new Throttle({ ...LIMITS, issue: { perSecond: 1, burst: 1 }, requests: { perSecond: 1, burst: 1 } }),
  });
  const web = parsed(app, queryRequest(app, 'AssumeRoleWithWebIdentity'));
  assert.equal(
    code(() => throttleAddress(web)),
    'none',
  );
  assert.equal(
    code(() => throttleAddress(web)),
    '400 Throttling',
  );
  assert.equal(web.throttled, 'address_issue');
  throttleCaller(web); // no caller: nothing to take

  const s = parsed(app, queryRequest(app, 'GetCallerIdentity', {}, { credentials: ROOT }));
  throttleAddress(s);
  await authenticate(s);
  assert.deepEqual(s.caller?.principal, { type: 'root', accountId: ACCOUNT });
  throttleCaller(s);
  assert.equal(
    code(() => throttleCaller(s)),
    '400 Throttling',
  );
  assert.equal(s.throttled, 'caller');
});

test('authenticate: a failure is counted against the address', async () => {
  const app = tripwireApp();
  const wrong = { ...ROOT, secretAccessKey: 'not-the-secret-not-the-secret-0123456789' };
  const s = parsed(app, queryRequest(app, 'GetCallerIdentity', {}, { credentials: wrong }));
  throttleAddress(s);
  await assert.rejects(authenticate(s), { code: 'SignatureDoesNotMatch' });
  assert.equal(app.throttle.beforeAuthentication('192.0.2.7', app.clock.now()), 'failed_auth');
});

test('validate: a malformed ARN is a 400 before authorization, an unknown action after authentication', async () => {
  // Authorizing AttachUserPolicy would read the account's entities: this App has none to give.
  const app = tripwireApp();
  const params = { UserName: 'carol', PolicyArn: 'longpolicynamebutnoarn' };
  const s = parsed(app, queryRequest(app, 'AttachUserPolicy', params, { service: 'iam', credentials: ROOT }));
  assert.throws(
    () => validate(s),
    (err) => err instanceof AwsError && err.code === 'ValidationError' && /Could not be parsed/.test(err.message),
  );
  assert.deepEqual(s.input, params, 'the input is kept for the audit log');

  // A user's request: authorizing it would read the user's policies.
  const attach = (policyArn: string) =>
    queryRequest(app, 'AttachUserPolicy', { ...params, PolicyArn: policyArn }, { service: 'iam', credentials: USER });
  const reply = await dispatch(app, attach(params.PolicyArn), () => {
    throw new Error('no failure is unexpected here');
  });
  assert.deepEqual([reply.status, reply.code, reply.operation], [400, 'ValidationError', 'AttachUserPolicy']);
  assert.match(reply.body, /Invalid ARN: {2}Could not be parsed!/);
  // The contrast: with a well-formed ARN, authorization runs, and trips over the App it was not given.
  const bugs: string[] = [];
  const authorized = await dispatch(app, attach('arn:aws:iam::aws:policy/ReadOnlyAccess'), (err) =>
    bugs.push(String(err)),
  );
  assert.equal(authorized.code, 'InternalFailure');
  assert.match(bugs[0] ?? '', /the stage reached app\./);

  const unknown = await dispatch(app, queryRequest(app, 'MakeCoffee', {}, { credentials: ROOT }), () => {});
  assert.deepEqual([unknown.status, unknown.code, unknown.operation], [400, 'InvalidAction', undefined]);
  assert.deepEqual(app.lookups.slice(-1), [ROOT.accessKeyId], 'authenticated first');
});

test('validate: the call carries the request as the stages learnt it', async () => {
  const app = tripwireApp();
  const s = parsed(app, queryRequest(app, 'GetCallerIdentity', {}, { credentials: ROOT }));
  await authenticate(s);
  validate(s);
  assert.deepEqual(s.call?.request, {
    id: s.requestId,
    region: 'us-east-1',
    sourceIp: '192.0.2.7',
    secureTransport: true,
    time: s.now,
    tokenVersion: 2,
    globalEndpoint: false,
  });
  assert.equal(s.call?.caller, s.caller);
});

test('render: JSON for an STS client that accepts it, XML for IAM whatever it accepts', () => {
  const app = tripwireApp();
  const output = { UserId: ACCOUNT, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` };
  const sts = parsed(app, queryRequest(app, 'GetCallerIdentity', {}, { acceptJson: true }));
  sts.output = output;
  const reply = render(sts);
  assert.equal(reply.json, true);
  assert.equal(
    reply.body,
    `{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"${ACCOUNT}","Arn":"arn:aws:iam::${ACCOUNT}:root","UserId":"${ACCOUNT}"},` +
      `"ResponseMetadata":{"RequestId":"${sts.requestId}"}}}`,
  );
  assert.deepEqual([reply.status, reply.operation, reply.output], [200, 'GetCallerIdentity', output]);

  const iam = parsed(app, queryRequest(app, 'ListUsers', {}, { service: 'iam', acceptJson: true }));
  const error = renderFailure(iam, new AwsError('AccessDenied', 'no'));
  assert.equal(error.json, false);
  assert.ok(error.body.startsWith('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'), error.body);
  assert.deepEqual([error.status, error.code, error.operation], [403, 'AccessDenied', 'ListUsers']);
});

test('render: a bug is logged and answered InternalFailure; the store out of reach, ServiceUnavailable', () => {
  const logged: unknown[] = [];
  const bug = new Error('bug');
  const app = tripwireApp();
  const s = parsed(app, queryRequest(app, 'GetCallerIdentity'));
  const aws = new AwsError('ExpiredToken', 'expired');
  assert.equal(
    failure(s, aws, () => {}),
    aws,
  );
  assert.equal(failure(s, bug, (err) => logged.push(err)).code, 'InternalFailure');
  assert.deepEqual(logged, [bug]);
  const down = tripwireApp({ store: { available: () => false } });
  assert.equal(
    failure(parsed(down, queryRequest(down, 'GetCallerIdentity')), bug, () => {}).code,
    'ServiceUnavailable',
  );
});

test('timing: each stage a request reached is counted once, its time summed', async () => {
  const times = new StageTimes();
  const app = tripwireApp();
  const req = () => queryRequest(app, 'GetCallerIdentity', {}, { credentials: ROOT });
  for (let i = 0; i < 3; i++) assert.equal((await dispatch(app, req(), () => {}, times)).status, 200);
  // Throttled after parse: read, parse, throttle and render only.
  app.throttle.authenticationFailed('192.0.2.7', app.clock.now());
  assert.equal((await dispatch(app, req(), () => {}, times)).code, 'Throttling');
  const calls = Object.fromEntries(STAGES.map((name, i) => [name, times.calls[i]]));
  assert.deepEqual(calls, {
    read: 4,
    parse: 4,
    authenticate: 3,
    throttle: 4,
    validate: 3,
    authorize: 3,
    handle: 3,
    render: 4,
    audit: 0,
  });
  for (const ms of times.timedMs) assert.ok(ms >= 0);

  // By hand: a stage entered twice counts once; without StageTimes, nothing is kept.
  const mine = new StageTimes();
  const s = requestState(app, req(), mine);
  enter(s, Stage.throttle);
  enter(s, Stage.authenticate);
  enter(s, Stage.throttle);
  leave(s);
  assert.deepEqual([...mine.calls], [1, 0, 1, 1, 0, 0, 0, 0, 0]);
  const none = requestState(app, req());
  enter(none, Stage.parse);
  leave(none);
});

test('timing: one request in TIMED_ONE_IN is timed, and its times stand for all of them', () => {
  const times = new StageTimes();
  const timed = Array.from({ length: 2 * TIMED_ONE_IN }, () => times.timeRequest());
  assert.deepEqual(
    timed.flatMap((t, i) => (t ? [i + 1] : [])),
    [TIMED_ONE_IN, 2 * TIMED_ONE_IN],
  );
  times.timedMs[Stage.handle] = 3;
  assert.equal(times.seconds(Stage.handle), (3 * TIMED_ONE_IN) / 1000);
  // The audit stage keeps its own turn: each one is counted.
  const audits = Array.from({ length: TIMED_ONE_IN }, () => times.auditStarts());
  assert.deepEqual(
    audits.map((a) => a >= 0),
    [...Array(TIMED_ONE_IN - 1).fill(false), true],
  );
  times.auditEnds(-1);
  assert.equal(times.timedMs[Stage.audit], 0);
  assert.equal(times.calls[Stage.audit], TIMED_ONE_IN);
});

test('the operations the stages name exist', () => {
  for (const [service, name] of [
    ['sts', 'GetCallerIdentity'],
    ['sts', 'AssumeRoleWithWebIdentity'],
    ['iam', 'AttachUserPolicy'],
    ['iam', 'ListUsers'],
  ] as const)
    assert.equal(findOperation(service, name)?.name, name);
});
