/** The credential cache (atomic files, modes, refresh window) and the credential_process protocol. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  CredentialCache,
  DEFAULT_REFRESH_WINDOW_MS,
  cacheKey,
  defaultCacheDir,
} from '../../src/client/credential-cache.js';
import {
  type AwsCredentials,
  CredentialProcessError,
  formatProcessCredentials,
  parseProcessCredentials,
  runCredentialProcess,
} from '../../src/client/credential-process.js';

const run = promisify(execFile);
const FAKE = `
const [mode, ...rest] = process.argv.slice(2);
const out = (v) => process.stdout.write(typeof v === 'string' ? v : JSON.stringify(v));
const base = { Version: 1, AccessKeyId: 'ASIAFAKE', SecretAccessKey: 'secret', SessionToken: 'tok', Expiration: '2030-01-01T00:00:00Z', AccountId: '123456789012' };
switch (mode) {
  case 'good': out(base); break;
  case 'long-term': out({ Version: 1, AccessKeyId: 'AKIAFAKE', SecretAccessKey: 'secret' }); break;
  case 'args': out({ ...base, AccessKeyId: JSON.stringify(rest) }); break;
  case 'cat': out(require('fs').readFileSync(rest[0], 'utf8')); break;
  case 'garbage': out('this is not json'); break;
  case 'missing': out({ Version: 1, AccessKeyId: 'A' }); break;
  case 'v2': out({ ...base, Version: 2 }); break;
  case 'fail': process.stderr.write('token expired, run login\\n'); process.exit(3);
  case 'hang': setTimeout(() => {}, 60_000); break;
}
`;
let fakeCommand: string;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensts creds ')); // a space, to exercise quoting of commands
  const script = join(dir, 'fake creds.cjs');
  await writeFile(script, FAKE);
  fakeCommand = `"${process.execPath}" "${script}"`;
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.parse('2030-01-01T00:00:00Z');
/** Temporary credentials expiring an hour after T0, or long-term ones with `expiration` null. */
const creds = (n = 1, expiration: Date | null = new Date(T0 + 3600_000)): AwsCredentials => ({
  accessKeyId: `ASIA${n}`,
  secretAccessKey: `secret${n}`,
  sessionToken: `token${n}`,
  ...(expiration && { expiration }),
  accountId: '123456789012',
});

// ---------------------------------------------------------------------------------------------
// Cache.

test('cache: a stored entry comes back; the directory is 0700 and the file 0600', async () => {
  const cacheDir = join(dir, 'fresh', 'nested', 'cache');
  const cache = new CredentialCache({ dir: cacheDir, now: () => T0 });
  const key = cacheKey({ RoleArn: 'arn:aws:iam::123456789012:role/r' });
  assert.equal(await cache.get(key), undefined);
  await cache.set(key, creds());
  assert.deepEqual(await cache.get(key), creds());
  assert.equal((await stat(cacheDir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(dir, 'fresh'))).mode & 0o777, 0o700);
  assert.equal((await stat(cache.pathOf(key))).mode & 0o777, 0o600);
  // The entry is a credential_process document.
  assert.deepEqual(parseProcessCredentials(await readFile(cache.pathOf(key), 'utf8')), creds());
  await cache.delete(key);
  assert.equal(await cache.get(key), undefined);
  await cache.delete(key); // deleting twice is fine
});

test('cache: concurrent writers never leave a torn or temporary file behind', async () => {
  const cacheDir = join(dir, 'race');
  const cache = new CredentialCache({ dir: cacheDir, now: () => T0 });
  const writes = Array.from({ length: 25 }, (_, i) => cache.set('k', creds(i)));
  const reads = Array.from({ length: 25 }, () => cache.get('k'));
  await Promise.all(writes);
  for (const seen of await Promise.all(reads)) {
    if (seen) assert.match(seen.accessKeyId, /^ASIA\d+$/); // a read sees some whole entry, or none yet
  }
  const final = await cache.get('k');
  assert.ok(final && /^ASIA\d+$/.test(final.accessKeyId));
  assert.deepEqual(await readdir(cacheDir), ['k.json']);
});

test('cache: entries expiring within the refresh window are misses (injected clock)', async () => {
  let now = T0;
  const cache = new CredentialCache({ dir: join(dir, 'window'), now: () => now });
  const expiration = new Date(T0 + 10 * 60_000);
  await cache.set('k', creds(1, expiration));
  assert.ok(await cache.get('k'));
  now = expiration.getTime() - DEFAULT_REFRESH_WINDOW_MS - 1; // 5 min + 1 ms left
  assert.ok(await cache.get('k'));
  now = expiration.getTime() - DEFAULT_REFRESH_WINDOW_MS; // exactly 5 min left: refresh
  assert.equal(await cache.get('k'), undefined);
  now = expiration.getTime() + 1;
  assert.equal(await cache.get('k'), undefined);

  const noWindow = new CredentialCache({
    dir: join(dir, 'window'),
    now: () => expiration.getTime() - 1,
    refreshWindowMs: 0,
  });
  assert.ok(await noWindow.get('k'));
});

test('cache: corrupt or foreign files are ignored, then overwritten', async () => {
  const cacheDir = join(dir, 'corrupt');
  await mkdir(cacheDir);
  const cache = new CredentialCache({ dir: cacheDir, now: () => T0 });
  const bad = {
    garbage: 'not json at all',
    truncated: formatProcessCredentials(creds()).slice(0, 40),
    version2: JSON.stringify({
      Version: 2,
      AccessKeyId: 'A',
      SecretAccessKey: 'S',
      Expiration: '2031-01-01T00:00:00Z',
    }),
    longterm: formatProcessCredentials(creds(1, null)),
    badexpiry: JSON.stringify({ Version: 1, AccessKeyId: 'A', SecretAccessKey: 'S', Expiration: 'tomorrow' }),
    empty: '',
  };
  for (const [key, text] of Object.entries(bad)) {
    await writeFile(join(cacheDir, `${key}.json`), text);
    assert.equal(await cache.get(key), undefined, key);
  }
  await mkdir(join(cacheDir, 'adir.json'));
  assert.equal(await cache.get('adir'), undefined);
  await cache.set('garbage', creds(7));
  assert.equal((await cache.get('garbage'))?.accessKeyId, 'ASIA7');
});

test('cache: keys cannot escape the directory; only temporary credentials are stored', async () => {
  const cache = new CredentialCache({ dir: join(dir, 'keys') });
  for (const key of ['../x', 'a/b', '', '.hidden', 'a\0b']) {
    await assert.rejects(cache.get(key), /Invalid credential cache key/);
    await assert.rejects(cache.set(key, creds()), /Invalid credential cache key/);
  }
  await assert.rejects(cache.set('k', creds(1, null)), /Only temporary credentials/);
});

test('cache: default directory is ~/.opensts/cache', () => {
  assert.equal(defaultCacheDir({ HOME: '/home/me' }), '/home/me/.opensts/cache');
  assert.equal(new CredentialCache({ env: { HOME: '/ignored' }, homeDir: '/h' }).dir, '/h/.opensts/cache');
});

test('cacheKey: sha1 of the sorted inputs, the same hash the aws CLI computes for AssumeRole arguments', async (t) => {
  const inputs = {
    RoleArn: 'arn:aws:iam::123456789012:role/r',
    SerialNumber: 'arn:aws:iam::123456789012:mfa/é',
    DurationSeconds: 3600,
    ExternalId: 'x"y',
  };
  const key = cacheKey(inputs);
  assert.match(key, /^[0-9a-f]{40}$/);
  assert.equal(
    cacheKey({ ExternalId: 'x"y', DurationSeconds: 3600, SerialNumber: inputs.SerialNumber, RoleArn: inputs.RoleArn }),
    key,
  );
  assert.notEqual(cacheKey({ ...inputs, DurationSeconds: 900 }), key);
  const py =
    'import hashlib, json, sys; print(hashlib.sha1(json.dumps(json.loads(sys.argv[1]), sort_keys=True).encode("utf-8")).hexdigest())';
  const { stdout } = await run('python3', ['-c', py, JSON.stringify(inputs)]);
  assert.equal(stdout.trim(), key);
});

// ---------------------------------------------------------------------------------------------
// credential_process.

test('formatProcessCredentials writes the Version 1 document', () => {
  const text = formatProcessCredentials({ ...creds(), expiration: new Date('2030-01-01T01:00:00.789Z') });
  assert.equal(
    text,
    '{"Version":1,"AccessKeyId":"ASIA1","SecretAccessKey":"secret1","SessionToken":"token1","Expiration":"2030-01-01T01:00:00Z","AccountId":"123456789012"}',
  );
  assert.equal(
    formatProcessCredentials({ accessKeyId: 'AKIA', secretAccessKey: 's' }),
    '{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"}',
  );
  assert.deepEqual(parseProcessCredentials(formatProcessCredentials(creds())), creds());
});

test('parseProcessCredentials rejects what botocore rejects, with its wording', () => {
  const doc = (fields: object) => JSON.stringify({ Version: 1, AccessKeyId: 'A', SecretAccessKey: 'S', ...fields });
  const rejects = (text: string, message: RegExp) =>
    assert.throws(
      () => parseProcessCredentials(text),
      (e: unknown) => e instanceof CredentialProcessError && message.test(e.message),
    );
  rejects(doc({ Version: 2 }), /^Unsupported version '2' for credential process provider, supported versions: 1$/);
  rejects(doc({ Version: '1' }), /Unsupported version '"1"'/);
  rejects(JSON.stringify({ AccessKeyId: 'A' }), /Unsupported version '<Version key not provided>'/);
  rejects(doc({ AccessKeyId: undefined }), /^Missing required key in response: AccessKeyId$/);
  rejects(doc({ SecretAccessKey: null }), /^Missing required key in response: SecretAccessKey$/);
  rejects(doc({ AccessKeyId: 42 }), /Invalid AccessKeyId in response/);
  rejects(doc({ Expiration: '01/02/2030' }), /Invalid Expiration in response/);
  rejects('[]', /must be a JSON object/);
  rejects('Error: please log in\nmore', /not valid JSON: "Error: please log in"$/);
  rejects('{"Version": 1, "SecretAccessKey": "hunter2"', /^credential_process output is not valid JSON$/); // no secret echoed
  assert.deepEqual(parseProcessCredentials(doc({ SessionToken: null, Expiration: '2030-01-01T00:00:00+02:00' })), {
    accessKeyId: 'A',
    secretAccessKey: 'S',
    expiration: new Date('2029-12-31T22:00:00Z'),
  });
});

test('credential_process: good output, with and without expiration', async () => {
  assert.deepEqual(await runCredentialProcess(`${fakeCommand} good`), {
    accessKeyId: 'ASIAFAKE',
    secretAccessKey: 'secret',
    sessionToken: 'tok',
    expiration: new Date('2030-01-01T00:00:00Z'),
    accountId: '123456789012',
  });
  assert.deepEqual(await runCredentialProcess(`${fakeCommand} long-term`), {
    accessKeyId: 'AKIAFAKE',
    secretAccessKey: 'secret',
  });
  // Like botocore, a missing AccountId falls back to the profile's aws_account_id.
  assert.equal(
    (await runCredentialProcess(`${fakeCommand} long-term`, { fallbackAccountId: '111122223333' })).accountId,
    '111122223333',
  );
  assert.equal(
    (await runCredentialProcess(`${fakeCommand} good`, { fallbackAccountId: '111122223333' })).accountId,
    '123456789012',
  );
});

test('credential_process: split shell-style, never run through a shell', async () => {
  const got = await runCredentialProcess(`${fakeCommand} args 'a b' "c\\"d" e\\ f $HOME ';' '|' echo`);
  assert.deepEqual(JSON.parse(got.accessKeyId), ['a b', 'c"d', 'e f', '$HOME', ';', '|', 'echo']);
});

test('credential_process: failures are clear errors', async () => {
  const fails = (command: string, message: RegExp, timeoutMs?: number) =>
    assert.rejects(
      runCredentialProcess(command, { timeoutMs }),
      (e: unknown) => e instanceof CredentialProcessError && message.test(e.message),
    );
  await fails(`${fakeCommand} fail`, /exited with status 3: token expired, run login$/);
  await fails(`${fakeCommand} garbage`, /not valid JSON: "this is not json"/);
  await fails(`${fakeCommand} missing`, /Missing required key in response: SecretAccessKey/);
  await fails(`${fakeCommand} v2`, /Unsupported version '2' for credential process provider, supported versions: 1/);
  await fails(`${fakeCommand} hang`, /timed out after 200 ms/, 200);
  await fails(`/no/such/program --flag`, /"\/no\/such\/program" could not be started: command not found/);
  await fails(`   `, /credential_process is empty/);
  await fails(`${fakeCommand} "unbalanced`, /cannot be split into arguments: No closing quotation/);
});

test('botocore accepts what formatProcessCredentials prints', async (t) => {
  const expiration = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);
  const docFile = join(dir, 'doc.json');
  await writeFile(docFile, formatProcessCredentials(creds(9, expiration)));
  const command = `${fakeCommand} cat "${docFile}"`;
  const py = `
import json, sys, botocore.credentials as bc
c = bc.ProcessProvider('p', lambda: {'profiles': {'p': {'credential_process': sys.argv[1]}}}).load()
f = c.get_frozen_credentials()
print(json.dumps([f.access_key, f.secret_key, f.token, c._expiry_time.isoformat(), f.account_id]))`;
  const { stdout } = await run('python3', ['-c', py, command], { env: { PATH: process.env.PATH, HOME: dir } });
  const [accessKey, secret, token, expiry, accountId] = JSON.parse(stdout) as string[];
  assert.deepEqual([accessKey, secret, token, accountId], ['ASIA9', 'secret9', 'token9', '123456789012']);
  assert.equal(new Date(expiry!).getTime(), expiration.getTime());
  assert.deepEqual(await runCredentialProcess(command), creds(9, expiration));
});
