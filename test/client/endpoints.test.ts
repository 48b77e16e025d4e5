/** Endpoint and region resolution: one row per precedence rule, each row checked against botocore too. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  type EndpointService,
  type EndpointSource,
  NoRegionError,
  resolveRegion,
  resolveStsEndpoint,
} from '../../src/client/endpoints.js';
import { readProfile } from '../../src/client/profile.js';
import {
  type Env,
  type SharedConfigFiles,
  ClientConfigError,
  loadSharedConfig,
} from '../../src/client/shared-config.js';

const run = promisify(execFile);

const CONFIG = `
[default]
region = us-east-1
[profile svc]
services = local
endpoint_url = http://profile-global:1
[profile global]
endpoint_url = http://profile-global:1
[profile svc-no-sts]
services = other
endpoint_url = http://profile-global:1
[profile missing-svc]
services = nowhere
[profile ignoring]
services = local
ignore_configured_endpoint_urls = true
[profile legacy]
sts_regional_endpoints = legacy
[profile bare]
output = json
[services local]
sts =
  endpoint_url = http://services-sts:2
iam =
  endpoint_url = http://services-iam:3/path
[services other]
s3 =
  endpoint_url = http://s3:4
`;

let dir: string;
let configFile: string;
let files: SharedConfigFiles;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opensts-endpoints-'));
  configFile = join(dir, 'config');
  await writeFile(configFile, CONFIG);
  files = loadSharedConfig({ env: { AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') } });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Row {
  readonly rule: string;
  readonly service?: EndpointService;
  readonly region?: string;
  readonly endpoint?: string;
  readonly profile?: string;
  readonly env?: Env;
  /** [url, signing region, source], or an error pattern. */
  readonly expect: readonly [string, string, EndpointSource] | RegExp;
}

const ROWS: readonly Row[] = [
  {
    rule: 'explicit beats everything',
    endpoint: 'http://explicit:9',
    profile: 'svc',
    region: 'us-west-2',
    env: { AWS_ENDPOINT_URL_STS: 'http://env-sts:5', AWS_ENDPOINT_URL: 'http://env:6' },
    expect: ['http://explicit:9', 'us-west-2', 'explicit'],
  },
  {
    rule: 'AWS_ENDPOINT_URL_STS beats AWS_ENDPOINT_URL and the profile',
    profile: 'svc',
    region: 'us-west-2',
    env: { AWS_ENDPOINT_URL_STS: 'http://env-sts:5', AWS_ENDPOINT_URL: 'http://env:6' },
    expect: ['http://env-sts:5', 'us-west-2', 'env-service'],
  },
  {
    rule: 'AWS_ENDPOINT_URL_IAM for IAM',
    service: 'iam',
    region: 'eu-west-1',
    env: { AWS_ENDPOINT_URL_STS: 'http://env-sts:5', AWS_ENDPOINT_URL_IAM: 'http://env-iam:7' },
    expect: ['http://env-iam:7', 'eu-west-1', 'env-service'],
  },
  {
    rule: 'AWS_ENDPOINT_URL beats the profile',
    profile: 'svc',
    region: 'us-west-2',
    env: { AWS_ENDPOINT_URL: 'http://env:6' },
    expect: ['http://env:6', 'us-west-2', 'env-global'],
  },
  {
    rule: 'an empty variable counts as unset',
    profile: 'svc',
    region: 'us-west-2',
    env: { AWS_ENDPOINT_URL_STS: '', AWS_ENDPOINT_URL: 'http://env:6' },
    expect: ['http://env:6', 'us-west-2', 'env-global'],
  },
  {
    rule: '[services] entry beats the profile endpoint_url',
    profile: 'svc',
    region: 'us-west-2',
    expect: ['http://services-sts:2', 'us-west-2', 'config-service'],
  },
  {
    rule: '[services] entry for IAM (with a path)',
    service: 'iam',
    profile: 'svc',
    region: 'us-west-2',
    expect: ['http://services-iam:3/path', 'us-west-2', 'config-service'],
  },
  {
    rule: 'no [services] entry for the service: profile endpoint_url',
    profile: 'svc-no-sts',
    region: 'us-west-2',
    expect: ['http://profile-global:1', 'us-west-2', 'config-global'],
  },
  {
    rule: 'profile endpoint_url',
    profile: 'global',
    region: 'ap-south-1',
    expect: ['http://profile-global:1', 'ap-south-1', 'config-global'],
  },
  {
    rule: 'a missing [services] section is an error',
    profile: 'missing-svc',
    region: 'us-west-2',
    expect: /"nowhere" services configuration does not exist/,
  },
  {
    rule: 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores configured endpoints',
    profile: 'svc',
    region: 'us-west-2',
    env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true', AWS_ENDPOINT_URL_STS: 'http://env-sts:5' },
    expect: ['https://sts.us-west-2.amazonaws.com', 'us-west-2', 'aws-regional'],
  },
  {
    rule: '... but not an explicit endpoint',
    endpoint: 'http://explicit:9',
    region: 'us-west-2',
    env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'True' },
    expect: ['http://explicit:9', 'us-west-2', 'explicit'],
  },
  {
    rule: 'ignore_configured_endpoint_urls in the profile',
    profile: 'ignoring',
    region: 'us-west-2',
    env: { AWS_ENDPOINT_URL: 'http://env:6' },
    expect: ['https://sts.us-west-2.amazonaws.com', 'us-west-2', 'aws-regional'],
  },
  {
    rule: 'the variable set to false overrides the profile',
    profile: 'ignoring',
    region: 'us-west-2',
    env: { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false' },
    expect: ['http://services-sts:2', 'us-west-2', 'config-service'],
  },
  {
    rule: 'regional by default',
    region: 'eu-west-1',
    expect: ['https://sts.eu-west-1.amazonaws.com', 'eu-west-1', 'aws-regional'],
  },
  {
    rule: 'legacy: a legacy region uses the global endpoint',
    region: 'us-east-1',
    env: { AWS_STS_REGIONAL_ENDPOINTS: 'legacy' },
    expect: ['https://sts.amazonaws.com', 'us-east-1', 'aws-global'],
  },
  {
    rule: 'legacy: eu-west-1 is signed for us-east-1',
    region: 'eu-west-1',
    env: { AWS_STS_REGIONAL_ENDPOINTS: 'legacy' },
    expect: ['https://sts.amazonaws.com', 'us-east-1', 'aws-global'],
  },
  {
    rule: 'legacy: other regions stay regional',
    region: 'me-south-1',
    env: { AWS_STS_REGIONAL_ENDPOINTS: 'legacy' },
    expect: ['https://sts.me-south-1.amazonaws.com', 'me-south-1', 'aws-regional'],
  },
  {
    rule: 'legacy from the profile',
    profile: 'legacy',
    region: 'ca-central-1',
    expect: ['https://sts.amazonaws.com', 'us-east-1', 'aws-global'],
  },
  {
    rule: 'the variable overrides the profile setting',
    profile: 'legacy',
    region: 'ca-central-1',
    env: { AWS_STS_REGIONAL_ENDPOINTS: 'regional' },
    expect: ['https://sts.ca-central-1.amazonaws.com', 'ca-central-1', 'aws-regional'],
  },
  {
    rule: 'an invalid setting is an error (case matters)',
    region: 'us-east-1',
    env: { AWS_STS_REGIONAL_ENDPOINTS: 'Legacy' },
    expect: /STS regional endpoints option Legacy is invalid/,
  },
  {
    rule: 'region aws-global is the global endpoint',
    region: 'aws-global',
    expect: ['https://sts.amazonaws.com', 'us-east-1', 'aws-global'],
  },
  {
    rule: 'no region and no endpoint: aws-global, as botocore',
    profile: 'bare',
    expect: ['https://sts.amazonaws.com', 'us-east-1', 'aws-global'],
  },
  { rule: 'a custom endpoint needs a region', profile: 'global', expect: /You must specify a region/ },
  {
    rule: 'China',
    region: 'cn-north-1',
    env: { AWS_STS_REGIONAL_ENDPOINTS: 'legacy' },
    expect: ['https://sts.cn-north-1.amazonaws.com.cn', 'cn-north-1', 'aws-regional'],
  },
  {
    rule: 'GovCloud',
    region: 'us-gov-west-1',
    expect: ['https://sts.us-gov-west-1.amazonaws.com', 'us-gov-west-1', 'aws-regional'],
  },
  {
    rule: 'IAM is global',
    service: 'iam',
    region: 'eu-west-1',
    expect: ['https://iam.amazonaws.com', 'us-east-1', 'aws-global'],
  },
  {
    rule: 'IAM in China',
    service: 'iam',
    region: 'cn-northwest-1',
    expect: ['https://iam.cn-north-1.amazonaws.com.cn', 'cn-north-1', 'aws-global'],
  },
  {
    rule: 'IAM in GovCloud',
    service: 'iam',
    region: 'us-gov-east-1',
    expect: ['https://iam.us-gov.amazonaws.com', 'us-gov-west-1', 'aws-global'],
  },
];

function ours(row: Row) {
  return resolveStsEndpoint({
    service: row.service ?? 'sts',
    region: row.region,
    explicitEndpoint: row.endpoint,
    env: row.env ?? {},
    profile: readProfile(row.profile, files),
    files,
  });
}

for (const row of ROWS) {
  test(`endpoint: ${row.rule}`, () => {
    if (row.expect instanceof RegExp) {
      assert.throws(
        () => ours(row),
        (err: unknown) => err instanceof ClientConfigError && (row.expect as RegExp).test(err.message),
      );
    } else {
      const { url, signingRegion, source } = ours(row);
      assert.deepEqual([url, signingRegion, source], row.expect);
    }
  });
}

/** The same rows through a real botocore client: endpoint_url, and the region in the Authorization header. */
const BOTOCORE = `
import json, os, sys, botocore.session
base = dict(os.environ)
out = []
for c in json.loads(sys.argv[1]):
    os.environ.clear(); os.environ.update(base); os.environ.update(c['env'])
    try:
        s = botocore.session.Session(profile=c.get('profile'))
        cl = s.create_client(c['service'], region_name=c.get('region'), endpoint_url=c.get('endpoint'),
                             aws_access_key_id='a', aws_secret_access_key='b')
        seen = {}
        def grab(request, **kw):
            a = request.headers.get('Authorization')
            seen['region'] = (a.decode() if isinstance(a, bytes) else a).split('/')[2]
            raise RuntimeError('stop')
        cl.meta.events.register('before-send', grab)
        try:
            cl.get_caller_identity() if c['service'] == 'sts' else cl.list_users()
        except RuntimeError:
            pass
        out.append([cl.meta.endpoint_url, seen.get('region')])
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))
`;

test('botocore resolves every row the same way', async (t) => {
  const cases = ROWS.map((row) => ({
    service: row.service ?? 'sts',
    region: row.region,
    endpoint: row.endpoint,
    profile: row.profile,
    env: { ...row.env, AWS_CONFIG_FILE: configFile, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none') },
  }));
  const { stdout } = await run('python3', ['-c', BOTOCORE, JSON.stringify(cases)], {
    env: { PATH: process.env.PATH, HOME: dir },
  });
  const theirs = JSON.parse(stdout) as unknown[];
  ROWS.forEach((row, i) => {
    if (row.expect instanceof RegExp) assert.equal(typeof theirs[i], 'string', `${row.rule}: botocore should fail too`);
    else assert.deepEqual(theirs[i], row.expect.slice(0, 2), row.rule);
  });
});

test('the source detail names where a custom endpoint came from', () => {
  const fromServices = ours(ROWS[5]!);
  assert.equal(fromServices.detail, `[services local] sts.endpoint_url in ${configFile}`);
  assert.equal(ours(ROWS[1]!).detail, 'AWS_ENDPOINT_URL_STS');
});

test('an endpoint that is not an http(s) URL is rejected', () => {
  for (const bad of ['localhost:5055', 'ftp://x', '']) {
    assert.throws(
      () => resolveStsEndpoint({ service: 'sts', region: 'us-east-1', explicitEndpoint: bad, env: {} }),
      /Invalid endpoint/,
    );
  }
  assert.throws(
    () => resolveStsEndpoint({ service: 'sts', region: 'us-east-1', env: { AWS_ENDPOINT_URL: 'nope' } }),
    /Invalid endpoint: nope \(from AWS_ENDPOINT_URL\)/,
  );
});

test('region: explicit > AWS_REGION > AWS_DEFAULT_REGION > profile, else a clear error', () => {
  const profile = readProfile(undefined, files); // region = us-east-1
  assert.equal(
    resolveRegion({
      explicit: 'eu-west-3',
      env: { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2' },
      profile,
    }),
    'eu-west-3',
  );
  assert.equal(
    resolveRegion({ env: { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-2' }, profile }),
    'eu-west-1',
  );
  assert.equal(resolveRegion({ env: { AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-west-2' }, profile }), 'eu-west-2');
  assert.equal(resolveRegion({ env: {}, profile }), 'us-east-1');
  assert.throws(() => resolveRegion({ env: {} }), NoRegionError);
  assert.throws(() => resolveRegion({ env: {} }), /You must specify a region/);
  assert.throws(
    () => resolveRegion({ env: { AWS_REGION: 'evil.com/x' } }),
    /Provided region_name 'evil.com\/x' doesn't match a supported format/,
  );
});
