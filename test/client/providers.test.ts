/** Credential providers: environment, profiles and role chains, processes, web identity, container, the chain, memoization. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CredentialCache } from '../../src/client/credential-cache.js';
import { CredentialProcessError } from '../../src/client/credential-process.js';
import {
  type AwsCredentials,
  CredentialsExpiredError,
  CredentialsProviderError,
  MfaCodeError,
  fromAssumeRole,
  fromChain,
  fromContainer,
  fromEnv,
  fromIni,
  fromProcess,
  fromSessionToken,
  fromWebIdentity,
  memoize,
} from '../../src/client/providers/index.js';
import { ProfileLoopError, ProfileNotFoundError } from '../../src/client/shared-config.js';
import { type FakeSts, defaultHandler, failure, startFakeSts } from '../helpers/fake-sts.js';
import { type TestServer, startTestServer } from '../helpers/server.js';
import { createUserWithKey } from '../helpers/query.js';

let dir: string;
let fake: FakeSts;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensts-providers-'));
  fake = await startFakeSts();
});
after(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** A fresh pair of config files; returns an env pointing at them. */
async function configEnv(
  config: string,
  credentials = '',
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  const sub = join(dir, `case-${++n}`);
  await mkdir(sub);
  await writeFile(join(sub, 'config'), config);
  await writeFile(join(sub, 'credentials'), credentials);
  return {
    HOME: sub,
    AWS_CONFIG_FILE: join(sub, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(sub, 'credentials'),
    PATH: process.env.PATH!,
    ...extra,
  };
}
const node = JSON.stringify(process.execPath);
const script = (code: string) => `${node} -e ${JSON.stringify(code)}`;
const PROCESS_OK = script(
  `console.log(JSON.stringify({Version:1,AccessKeyId:'ASIAPROC',SecretAccessKey:'procsecret',SessionToken:'proctok',Expiration:new Date(Date.now()+3600e3).toISOString()}))`,
);
const reset = () => {
  fake.requests.length = 0;
  fake.reply = defaultHandler;
};

// ---------------------------------------------------------------------------------------------
// Environment and memoization.

test('fromEnv: keys, token (or the legacy name), expiration, account; partial and expired are errors', async () => {
  assert.deepEqual(
    await fromEnv({
      env: {
        AWS_ACCESS_KEY_ID: 'A',
        AWS_SECRET_ACCESS_KEY: 'S',
        AWS_SECURITY_TOKEN: 'T',
        AWS_ACCOUNT_ID: '123456789012',
      },
    })(),
    { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T', accountId: '123456789012' },
  );
  const later = new Date(Date.now() + 3600_000);
  assert.deepEqual(
    (
      await fromEnv({
        env: { AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_CREDENTIAL_EXPIRATION: later.toISOString() },
      })()
    ).expiration,
    later,
  );
  await assert.rejects(fromEnv({ env: {} })(), (e: unknown) => e instanceof CredentialsProviderError && e.tryNextLink);
  await assert.rejects(
    fromEnv({ env: { AWS_ACCESS_KEY_ID: 'A' } })(),
    (e: unknown) =>
      e instanceof CredentialsProviderError && !e.tryNextLink && /missing: AWS_SECRET_ACCESS_KEY/.test(e.message),
  );
  await assert.rejects(
    fromEnv({
      env: { AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_CREDENTIAL_EXPIRATION: '2020-01-01T00:00:00Z' },
    })(),
    (e: unknown) => e instanceof CredentialsExpiredError && /expired at 2020-01-01T00:00:00.000Z/.test(e.message),
  );
});

test('memoize: one refresh in flight for any number of callers, refresh 5 minutes before expiry, failures not cached', async () => {
  let now = 1_000_000;
  let calls = 0;
  let fail = false;
  let release!: () => void;
  const provider = memoize(
    async () => {
      calls++;
      await new Promise<void>((r) => (release = r));
      if (fail) throw new Error('boom');
      return { accessKeyId: `ASIA${calls}`, secretAccessKey: 's', expiration: new Date(now + 3600_000) };
    },
    { now: () => now },
  );
  const waiting = Array.from({ length: 50 }, () => provider());
  release();
  const results = await Promise.all(waiting);
  assert.equal(calls, 1);
  assert.ok(results.every((r) => r === results[0]));
  now += 3600_000 - 300_001; // just outside the window: still cached
  assert.equal((await provider()).accessKeyId, 'ASIA1');
  now += 2; // inside the 5-minute window: refresh
  const next = provider();
  release();
  assert.equal((await next).accessKeyId, 'ASIA2');
  now += 3600_000;
  fail = true;
  const failing = provider();
  release();
  await assert.rejects(failing, /boom/);
  fail = false;
  const retried = provider();
  release();
  assert.equal((await retried).accessKeyId, 'ASIA4');
  // Long-term credentials are kept for good.
  let longCalls = 0;
  const longTerm = memoize(async () => ({ accessKeyId: `AKIA${++longCalls}`, secretAccessKey: 's' }));
  await longTerm();
  await longTerm();
  assert.equal(longCalls, 1);
});

// ---------------------------------------------------------------------------------------------
// Profiles: role chains, MFA, endpoints, cache.

const CHAIN_CONFIG = [
  '[profile top]',
  'role_arn = arn:aws:iam::111111111111:role/top',
  'source_profile = mid',
  'mfa_serial = arn:aws:iam::222222222222:mfa/alice',
  'duration_seconds = 1800',
  'role_session_name = alice-top',
  'region = eu-north-1',
  '[profile mid]',
  'role_arn = arn:aws:iam::222222222222:role/mid',
  'source_profile = base',
  'external_id = ext-42',
  '[profile base]',
  'region = us-west-2',
].join('\n');
const BASE_CREDS = '[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = basesecret\n';

test('fromIni: a role chain assumes each role with the previous credentials, and --endpoint-url reaches every step', async () => {
  reset();
  const env = await configEnv(CHAIN_CONFIG, BASE_CREDS);
  const credentials = await fromIni({ profile: 'top', env, endpoint: fake.url, tokenCode: '123456' })();
  assert.match(credentials.accessKeyId, /^ASIAFAKE/);
  assert.equal(credentials.accountId, '111111111111');
  assert.equal(fake.requests.length, 2);
  const [first, second] = fake.requests as [(typeof fake.requests)[0], (typeof fake.requests)[0]];
  assert.equal(first.accessKeyId, 'AKIABASE');
  assert.equal(first.region, 'eu-north-1'); // the top profile's region signs every step
  assert.deepEqual(
    { ...first.params },
    {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: 'arn:aws:iam::222222222222:role/mid',
      RoleSessionName: first.params.RoleSessionName!,
      ExternalId: 'ext-42',
    },
  );
  assert.match(first.params.RoleSessionName!, /^opensts-session-\d+$/);
  assert.match(second.accessKeyId!, /^ASIAFAKE/);
  assert.equal(second.headers['x-amz-security-token'] !== undefined, true);
  assert.deepEqual(
    { ...second.params },
    {
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: 'arn:aws:iam::111111111111:role/top',
      RoleSessionName: 'alice-top',
      DurationSeconds: '1800',
      SerialNumber: 'arn:aws:iam::222222222222:mfa/alice',
      TokenCode: '123456',
    },
  );
});

test("fromIni: without an explicit endpoint, AWS_ENDPOINT_URL_STS or the top profile's [services] section is used for every step", async () => {
  reset();
  const services = `${CHAIN_CONFIG.replace('[profile top]', '[profile top]\nservices = local')}\n[services local]\nsts =\n  endpoint_url = ${fake.url}\n`;
  const env = await configEnv(services, BASE_CREDS);
  await fromIni({ profile: 'top', env, mfaCodeProvider: async () => '654321' })();
  assert.equal(fake.requests.length, 2);
  assert.equal(fake.requests[1]!.params.TokenCode, '654321');
  reset();
  const viaEnv = await configEnv(CHAIN_CONFIG, BASE_CREDS, { AWS_ENDPOINT_URL_STS: fake.url });
  await fromIni({ profile: 'top', env: viaEnv, tokenCode: '111111' })();
  assert.equal(fake.requests.length, 2);
});

test('fromIni: MFA codes come from mfa_process, else the provider; a missing or malformed code is a clear error', async () => {
  reset();
  const config = `${CHAIN_CONFIG.replace('duration_seconds = 1800', `mfa_process = ${script("console.log(' 246810 ')")}`)}`;
  await fromIni({ profile: 'top', env: await configEnv(config, BASE_CREDS), endpoint: fake.url })();
  assert.equal(fake.requests[1]!.params.TokenCode, '246810');
  const env = await configEnv(CHAIN_CONFIG, BASE_CREDS);
  await assert.rejects(
    fromIni({ profile: 'top', env, endpoint: fake.url })(),
    (e: unknown) =>
      e instanceof MfaCodeError &&
      /An MFA code for arn:aws:iam::222222222222:mfa\/alice is needed \(profile/.test(e.message),
  );
  await assert.rejects(fromIni({ profile: 'top', env, endpoint: fake.url, tokenCode: '12ab' })(), /must be 6 digits/);
  const failing = CHAIN_CONFIG.replace('duration_seconds = 1800', `mfa_process = ${script('process.exit(4)')}`);
  await assert.rejects(
    fromIni({ profile: 'top', env: await configEnv(failing, BASE_CREDS), endpoint: fake.url })(),
    /mfa_process .* exited with status 4/,
  );
});

test("fromIni: a wrong MFA code is the server's AccessDenied", async () => {
  reset();
  fake.reply = (req, i) =>
    req.params.TokenCode
      ? failure(403, 'AccessDenied', 'MultiFactorAuthentication failed with invalid MFA one time pass code.')
      : defaultHandler(req, i);
  await assert.rejects(
    fromIni({
      profile: 'top',
      env: await configEnv(CHAIN_CONFIG, BASE_CREDS),
      endpoint: fake.url,
      tokenCode: '000000',
    })(),
    /AccessDenied.*invalid MFA one time pass code/,
  );
  reset();
});

test('fromIni: static keys with mfa_serial make an MFA session with GetSessionToken', async () => {
  reset();
  const env = await configEnv(
    '[profile mfa]\nmfa_serial = arn:aws:iam::123456789012:mfa/me\nregion = eu-west-1\n',
    '[mfa]\naws_access_key_id = AKIAMFA\naws_secret_access_key = s\n',
  );
  const creds = await fromIni({ profile: 'mfa', env, endpoint: fake.url, tokenCode: '135790' })();
  assert.match(creds.accessKeyId, /^ASIA/);
  assert.deepEqual(
    { ...fake.requests[0]!.params },
    {
      Action: 'GetSessionToken',
      Version: '2011-06-15',
      SerialNumber: 'arn:aws:iam::123456789012:mfa/me',
      TokenCode: '135790',
    },
  );
  assert.equal(fake.requests[0]!.accessKeyId, 'AKIAMFA');
  // Without mfa_serial, static keys are returned as they are (no call).
  reset();
  const plain = await fromIni({
    profile: 'p',
    env: await configEnv('[profile p]\naws_access_key_id = A\naws_secret_access_key = S\naws_session_token = T\n'),
  })();
  assert.deepEqual(plain, { accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' });
  assert.equal(fake.requests.length, 0);
});

test('fromIni with a cache: fresh entries are reused (no STS call, no MFA prompt), files are 0600, entries near expiry are refreshed', async () => {
  reset();
  const env = await configEnv(CHAIN_CONFIG, BASE_CREDS);
  const cacheDir = join(env.HOME!, '.opensts', 'cache');
  let now = Date.now();
  const cache = new CredentialCache({ dir: cacheDir, now: () => now });
  let prompts = 0;
  const options = {
    profile: 'top',
    env,
    endpoint: fake.url,
    cache,
    mfaCodeProvider: async () => (prompts++, '123456'),
  };
  const first = await fromIni(options)();
  assert.equal(fake.requests.length, 2);
  const again = await fromIni(options)();
  assert.deepEqual(again, first);
  assert.equal(fake.requests.length, 2);
  assert.equal(prompts, 1);
  const files = await readdir(cacheDir);
  assert.equal(files.length, 2);
  for (const f of files) assert.equal((await stat(join(cacheDir, f))).mode & 0o777, 0o600);
  // 56 minutes later the top role's entry is within 5 minutes of expiry: only the top role is assumed again.
  now += 56 * 60_000;
  const refreshed = await fromIni(options)();
  assert.notEqual(refreshed.accessKeyId, first.accessKeyId);
  assert.equal(prompts, 2);
  assert.ok(fake.requests.length >= 3);
});

test('fromIni: loops, unknown profiles and profiles without credentials are configuration errors', async () => {
  const env = await configEnv(
    [
      '[profile a]',
      'role_arn = arn:aws:iam::1:role/a',
      'source_profile = b',
      '[profile b]',
      'role_arn = arn:aws:iam::1:role/b',
      'source_profile = a',
      '[profile empty]',
      'region = eu-west-1',
      '[profile dangling]',
      'role_arn = arn:aws:iam::1:role/x',
      'source_profile = ghost',
    ].join('\n'),
  );
  await assert.rejects(
    fromIni({ profile: 'a', env })(),
    (e: unknown) => e instanceof ProfileLoopError && e.message === 'Infinite loop in profile chain: a -> b -> a',
  );
  await assert.rejects(
    fromIni({ profile: 'nope', env })(),
    (e: unknown) =>
      e instanceof ProfileNotFoundError && /The config profile \(nope\) could not be found/.test(e.message),
  );
  await assert.rejects(
    fromIni({ profile: 'dangling', env })(),
    /The source_profile "ghost" referenced in the profile "dangling" does not exist/,
  );
  await assert.rejects(fromIni({ profile: 'empty', env })(), /The profile "empty" has no credentials/);
});

test('fromIni / fromProcess: credential_process output, failures and garbage; a role sourced from a process', async () => {
  reset();
  const env = await configEnv(
    [
      '[profile proc]',
      `credential_process = ${PROCESS_OK}`,
      'aws_account_id = 333333333333',
      '[profile fails]',
      `credential_process = ${script("process.stderr.write('session expired, run login'); process.exit(2)")}`,
      '[profile garbage]',
      `credential_process = ${script("console.log('<html>login page</html>')")}`,
      '[profile stale]',
      `credential_process = ${script("console.log(JSON.stringify({Version:1,AccessKeyId:'A',SecretAccessKey:'S',Expiration:'2020-01-01T00:00:00Z'}))")}`,
      '[profile role-from-proc]',
      'role_arn = arn:aws:iam::444444444444:role/r',
      'source_profile = proc',
      'region = eu-west-1',
    ].join('\n'),
  );
  const creds = await fromIni({ profile: 'proc', env })();
  assert.equal(creds.accessKeyId, 'ASIAPROC');
  assert.equal(creds.accountId, '333333333333');
  assert.equal((await fromProcess({ profile: 'proc', env })()).sessionToken, 'proctok');
  await assert.rejects(
    fromIni({ profile: 'fails', env })(),
    (e: unknown) =>
      e instanceof CredentialProcessError &&
      /Profile "fails": credential_process ".*" exited with status 2: session expired, run login/.test(e.message),
  );
  await assert.rejects(
    fromIni({ profile: 'garbage', env })(),
    /Profile "garbage": credential_process output is not valid JSON: "<html>login page<\/html>"/,
  );
  await assert.rejects(
    fromIni({ profile: 'stale', env })(),
    (e: unknown) => e instanceof CredentialsExpiredError && /expired at 2020-01-01/.test(e.message),
  );
  const role = await fromIni({ profile: 'role-from-proc', env, endpoint: fake.url })();
  assert.equal(role.accountId, '444444444444');
  assert.equal(fake.requests[0]!.accessKeyId, 'ASIAPROC');
  assert.equal(fake.requests[0]!.headers['x-amz-security-token'], 'proctok');
});

test('fromIni: credential_source = Environment takes the base keys from the environment', async () => {
  reset();
  const env = await configEnv(
    '[profile ci]\nrole_arn = arn:aws:iam::555555555555:role/ci\ncredential_source = Environment\nregion = eu-west-1\n',
    '',
    {
      AWS_ACCESS_KEY_ID: 'AKIAENV',
      AWS_SECRET_ACCESS_KEY: 'envsecret',
    },
  );
  await fromIni({ profile: 'ci', env, endpoint: fake.url })();
  assert.equal(fake.requests[0]!.accessKeyId, 'AKIAENV');
  assert.equal(fake.requests[0]!.params.RoleArn, 'arn:aws:iam::555555555555:role/ci');
});

// ---------------------------------------------------------------------------------------------
// Web identity.

test('fromWebIdentity: unsigned AssumeRoleWithWebIdentity with the token file, re-read on every refresh', async () => {
  reset();
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, 'jwt-one\n');
  let now = Date.now();
  const env = {
    AWS_ROLE_ARN: 'arn:aws:iam::666666666666:role/irsa',
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_ROLE_SESSION_NAME: 'pod',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_STS: fake.url,
  };
  const provider = fromWebIdentity({ env, now: () => now });
  const creds = await provider();
  assert.equal(creds.accountId, '666666666666');
  const sent = fake.requests[0]!;
  assert.equal(sent.headers.authorization, undefined);
  assert.deepEqual(
    { ...sent.params },
    {
      Action: 'AssumeRoleWithWebIdentity',
      Version: '2011-06-15',
      RoleArn: env.AWS_ROLE_ARN,
      RoleSessionName: 'pod',
      WebIdentityToken: 'jwt-one',
    },
  );
  await writeFile(tokenFile, 'jwt-two');
  await provider();
  assert.equal(fake.requests.length, 1); // memoized
  now += 3600_000;
  await provider();
  assert.equal(fake.requests[1]!.params.WebIdentityToken, 'jwt-two');
  await assert.rejects(
    fromWebIdentity({ env: {} })(),
    (e: unknown) => e instanceof CredentialsProviderError && e.tryNextLink,
  );
  await assert.rejects(
    fromWebIdentity({ env: { ...env, AWS_WEB_IDENTITY_TOKEN_FILE: join(dir, 'missing') } })(),
    /Cannot read the web identity token file .*ENOENT/,
  );
  // From a profile too.
  reset();
  const profileEnv = await configEnv(
    `[profile w]\nrole_arn = arn:aws:iam::666666666666:role/w\nweb_identity_token_file = ${tokenFile}\nregion = eu-west-1\n`,
  );
  await fromIni({ profile: 'w', env: profileEnv, endpoint: fake.url })();
  assert.equal(fake.requests[0]!.params.Action, 'AssumeRoleWithWebIdentity');
});

// ---------------------------------------------------------------------------------------------
// Container endpoint.

test('fromContainer: GET the full URI with the authorization token (file first); only loopback http or https', async () => {
  const seen: Array<string | undefined> = [];
  let answer: { status: number; body: string } = { status: 200, body: '' };
  const http = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(answer.body);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/creds`;
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    answer = {
      status: 200,
      body: JSON.stringify({
        AccessKeyId: 'ASIACONT',
        SecretAccessKey: 'cs',
        Token: 'ct',
        Expiration: expiration,
        AccountId: '777777777777',
      }),
    };
    const c = await fromContainer({
      env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: url, AWS_CONTAINER_AUTHORIZATION_TOKEN: 'Bearer abc' },
    })();
    assert.deepEqual(c, {
      accessKeyId: 'ASIACONT',
      secretAccessKey: 'cs',
      sessionToken: 'ct',
      expiration: new Date(expiration),
      accountId: '777777777777',
    });
    const tokenFile = join(dir, 'container-token');
    await writeFile(tokenFile, 'from-file\n');
    await fromContainer({
      env: {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: url,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: 'ignored',
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
      },
    })();
    assert.deepEqual(seen, ['Bearer abc', 'from-file']);
    await assert.rejects(
      fromContainer({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://example.com/creds' } })(),
      /must be https, or http to a loopback address/,
    );
    await assert.rejects(
      fromContainer({ env: {} })(),
      (e: unknown) => e instanceof CredentialsProviderError && e.tryNextLink,
    );
    answer = { status: 403, body: 'bad token' };
    await assert.rejects(
      fromContainer({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: url } })(),
      /answered HTTP 403: bad token/,
    );
    answer = { status: 200, body: 'nope' };
    await assert.rejects(
      fromContainer({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: url } })(),
      /did not answer with JSON/,
    );
    await assert.rejects(
      fromContainer({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://127.0.0.1:1/x' } })(),
      /Cannot reach the container credentials endpoint .*ECONNREFUSED/,
    );
  } finally {
    await new Promise((r) => http.close(r));
  }
});

// ---------------------------------------------------------------------------------------------
// The chain.

test('fromChain: explicit, then environment, then profile, then web identity, then container', async () => {
  const tokenFile = join(dir, 'chain-token');
  await writeFile(tokenFile, 'jwt');
  const env = await configEnv(
    '[default]\nregion = eu-west-1\n[profile p]\nregion = eu-west-1\n',
    '[default]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = s\n[p]\naws_access_key_id = AKIAP\naws_secret_access_key = s\n',
    {
      AWS_ACCESS_KEY_ID: 'AKIAENV',
      AWS_SECRET_ACCESS_KEY: 'e',
    },
  );
  const explicit: AwsCredentials = { accessKeyId: 'AKIAARG', secretAccessKey: 'x' };
  assert.equal((await fromChain({ env, credentials: explicit })()).accessKeyId, 'AKIAARG');
  assert.equal((await fromChain({ env })()).accessKeyId, 'AKIAENV');
  assert.equal((await fromChain({ env: { ...env, AWS_PROFILE: 'p' } })()).accessKeyId, 'AKIAENV'); // AWS_PROFILE alone: env keys still win
  assert.equal((await fromChain({ env, profile: 'p', profileIsExplicit: true })()).accessKeyId, 'AKIAP'); // --profile: env skipped
  const noEnvKeys = { ...env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
  assert.equal((await fromChain({ env: noEnvKeys })()).accessKeyId, 'AKIAPROFILE');
  reset();
  const bare = await configEnv('', '', {
    AWS_ROLE_ARN: 'arn:aws:iam::888888888888:role/r',
    AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL_STS: fake.url,
  });
  assert.equal((await fromChain({ env: bare })()).accountId, '888888888888');
  const nothing = await configEnv('');
  await assert.rejects(fromChain({ env: nothing })(), /Unable to locate credentials/);
  await assert.rejects(
    fromChain({ env: nothing, profile: 'ghost', profileIsExplicit: true })(),
    /The config profile \(ghost\) could not be found/,
  );
});

test('fromSessionToken and fromAssumeRole in code', async () => {
  reset();
  const source = { accessKeyId: 'AKIACODE', secretAccessKey: 's' };
  const session = fromSessionToken({
    source,
    serialNumber: 'arn:aws:iam::123456789012:mfa/x',
    mfaCodeProvider: async () => '112233',
    durationSeconds: 900,
    endpoint: fake.url,
    region: 'eu-west-1',
    env: {},
  });
  const [a, b] = await Promise.all([session(), session()]);
  assert.equal(a, b);
  assert.equal(fake.requests.length, 1);
  assert.deepEqual(
    { ...fake.requests[0]!.params },
    {
      Action: 'GetSessionToken',
      Version: '2011-06-15',
      DurationSeconds: '900',
      SerialNumber: 'arn:aws:iam::123456789012:mfa/x',
      TokenCode: '112233',
    },
  );
  const role = fromAssumeRole({
    source: session,
    roleArn: 'arn:aws:iam::999999999999:role/admin',
    roleSessionName: 'me',
    tags: { team: 'x' },
    policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
    endpoint: fake.url,
    region: 'eu-west-1',
    env: {},
  });
  assert.equal((await role()).accountId, '999999999999');
  const sent = fake.requests[1]!;
  assert.equal(sent.accessKeyId, a.accessKeyId);
  assert.equal(sent.params['Tags.member.1.Key'], 'team');
  assert.equal(sent.params['PolicyArns.member.1.arn'], 'arn:aws:iam::aws:policy/ReadOnlyAccess');
});

// ---------------------------------------------------------------------------------------------
// Against OpenSTS, through the AWS SDK for JavaScript v3.

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.close();
});

test('providers drop into an AWS SDK v3 client: fromIni and fromSessionToken against OpenSTS', async () => {
  const alice = await createUserWithKey(server, 'provider-alice');
  const env = await configEnv(
    '[profile alice]\nregion = eu-central-1\n',
    `[alice]\naws_access_key_id = ${alice.accessKeyId}\naws_secret_access_key = ${alice.secretAccessKey}\n`,
  );
  const sdk = new STSClient({
    region: 'eu-central-1',
    endpoint: server.url,
    credentials: fromIni({ profile: 'alice', env }),
    maxAttempts: 1,
  });
  const me = await sdk.send(new GetCallerIdentityCommand({}));
  assert.match(me.Arn!, /user\/provider-alice$/);
  const session = fromSessionToken({
    source: fromIni({ profile: 'alice', env }),
    durationSeconds: 900,
    endpoint: server.url,
    region: 'eu-central-1',
    env,
  });
  const viaSession = new STSClient({
    region: 'eu-central-1',
    endpoint: server.url,
    credentials: session,
    maxAttempts: 1,
  });
  assert.equal((await viaSession.send(new GetCallerIdentityCommand({}))).Arn, me.Arn);
  assert.match((await session()).accessKeyId, /^ASIA/);
});
