/**
 * Regions of an operator's own: a regions file declares `onprem-1` (and an opt-in `onprem-2`); servers serve them,
 * the SDK finds their endpoint from the same file and signs for them, the stock aws CLI uses them with
 * --endpoint-url, and a disabled one names the opensts command that enables it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { StsClient } from '../../src/client/sts-client.js';
import { parseRegionDeclarations } from '../../src/region-declarations.js';
import { declareRegions, parseNodeRegion, useRegionsFile } from '../../src/service/regions.js';
import { aws } from '../helpers/clients.js';
import { call, errorCode, xmlText } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let dir: string;
let file: string;
let anyRegion: TestServer;
let onprem: TestServer;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensts-own-regions-'));
  anyRegion = await startTestServer();
  file = join(dir, 'regions.json');
  await writeFile(
    file,
    JSON.stringify({
      regions: {
        'onprem-1': { partition: 'aws', endpoints: { sts: anyRegion.url } },
        'onprem-2': { optIn: true },
      },
    }),
  );
  useRegionsFile(file);
  onprem = await startTestServer({ region: 'onprem-1' });
});
after(async () => {
  await Promise.all([anyRegion.close(), onprem.close()]);
  await rm(dir, { recursive: true, force: true });
  declareRegions();
  delete process.env.OPENSTS_REGIONS_FILE;
});

test('a declared region is served, and the SDK finds its endpoint in the same file and signs for it', async () => {
  assert.deepEqual(parseNodeRegion('onprem-1'), { kind: 'regional', region: 'onprem-1' });
  const client = new StsClient({
    region: 'onprem-1',
    env: { OPENSTS_REGIONS_FILE: file },
    credentials: anyRegion.root,
    now: () => anyRegion.clock.now(),
  });
  assert.deepEqual(
    [client.endpoint.url, client.endpoint.signingRegion, client.endpoint.source],
    [anyRegion.url, 'onprem-1', 'declared-region'],
  );
  const { result } = await client.getCallerIdentity();
  assert.match(String(result.Arn), /:root$/);
  // The regional node for onprem-1 takes that scope and refuses another one.
  assert.equal((await call(onprem, 'GetCallerIdentity', {}, onprem.root, { region: 'onprem-1' })).status, 200);
  const other = await call(onprem, 'GetCallerIdentity', {}, onprem.root, { region: 'eu-west-1' });
  assert.equal(errorCode(other), 'SignatureDoesNotMatch');
  assert.equal(xmlText(other.body, 'Message'), "Credential should be scoped to a valid region, not 'eu-west-1'. ");
  // A name nobody declared is still refused.
  assert.equal(
    xmlText((await call(anyRegion, 'GetCallerIdentity', {}, anyRegion.root, { region: 'onprem-9' })).body, 'Message'),
    'Credential should be scoped to a valid region. ',
  );
});

test('the aws CLI with --region onprem-1 --endpoint-url', async () => {
  const r = await aws(onprem, onprem.root, [
    'sts',
    'get-caller-identity',
    '--region',
    'onprem-1',
    '--endpoint-url',
    onprem.url,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.json.Arn, /^arn:aws:iam::\d{12}:root$/);
});

test('a declared opt-in region is inactive until enabled, and the refusal names the opensts command', async () => {
  const accountId = anyRegion.running.app.accountId;
  const r = await call(anyRegion, 'GetCallerIdentity', {}, anyRegion.root, { region: 'onprem-2' });
  assert.equal(errorCode(r), 'RegionDisabledException');
  assert.equal(
    xmlText(r.body, 'Message'),
    `STS is not activated in this region for account:${accountId}. Your account administrator can activate STS in this region with: opensts regions enable onprem-2`,
  );
  await anyRegion.running.app.store.setRegionActive(accountId, 'onprem-2', true);
  assert.equal((await call(anyRegion, 'GetCallerIdentity', {}, anyRegion.root, { region: 'onprem-2' })).status, 200);
});

test('a regions file that cannot be used is refused, naming the file and the problem', () => {
  for (const [text, message] of [
    ['{', /: The regions file f\.json: not JSON/],
    ['{"regions": []}', /expected \{"regions": \{"name": \{\.\.\.\}\}\}/],
    ['{"regions": {"On Prem": {}}}', /"On Prem" is not a region name/],
    ['{"regions": {"onprem-1": {"optin": true}}}', /"onprem-1" has an unknown key "optin"/],
    [
      '{"regions": {"onprem-1": {"partition": "aws-cn"}}}',
      /"onprem-1"\.partition: only "aws" \(every ARN this server names is arn:aws:\.\.\.\)/,
    ],
    [
      '{"regions": {"onprem-1": {"endpoints": {"sts": "ftp://x"}}}}',
      /"onprem-1"\.endpoints\.sts must be an http:\/\/ or https:\/\/ URL/,
    ],
  ] as const) {
    assert.throws(() => parseRegionDeclarations(text, 'f.json'), message, text);
  }
  assert.deepEqual(
    [...parseRegionDeclarations('{"regions": {"onprem-1": {}}}', 'f.json').values()],
    [{ name: 'onprem-1', partition: 'aws', optIn: false, endpoints: { sts: undefined, iam: undefined } }],
  );
  assert.throws(() => new StsClient({ region: 'onprem-1', env: { OPENSTS_REGIONS_FILE: join(dir, 'nope.json') } }), {
    name: 'ClientConfigError',
    message: `Cannot read the regions file ${join(dir, 'nope.json')}: ENOENT`,
  });
});
