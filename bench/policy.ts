/**
 * Micro-benchmark of the policy engine: parse a typical three-statement identity policy once, evaluate it in a
 * loop for a few seconds, print evaluations per second; then wildcard matching alone, on ordinary patterns and on
 * adversarial ones (the worst time of one match, issue 11). Not a test.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/policy.js [seconds-per-scenario]
 */
import { runInNewContext } from 'node:vm';
import {
  type AuthorizationRequest,
  type PolicySet,
  RequestContext,
  evaluate,
  parsePolicy,
} from '../src/policy/index.js';
import { type MatchMode, compilePattern } from '../src/policy/matching.js';

const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'OwnPrefix',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:List*'],
      Resource: ['arn:aws:s3:::team-bucket/home/${aws:username}/*', 'arn:aws:s3:::team-bucket'],
    },
    {
      Sid: 'OperateInstancesFromOffice',
      Effect: 'Allow',
      Action: ['ec2:StartInstances', 'ec2:StopInstances', 'ec2:Describe*'],
      Resource: 'arn:aws:ec2:*:111122223333:instance/*',
      Condition: { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } },
    },
    {
      Sid: 'RequireMfa',
      Effect: 'Deny',
      NotAction: ['iam:ChangePassword', 'sts:GetSessionToken'],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    },
  ],
});

const seconds = Number(process.argv[2] ?? 3);
const policies: PolicySet = { identity: [parsePolicy(POLICY, 'identity')] };
const principal = { arn: 'arn:aws:iam::111122223333:user/alice', accountId: '111122223333', kind: 'user' as const };
const raw = {
  'aws:username': 'alice',
  'aws:userid': 'AIDAEXAMPLEALICE',
  'aws:PrincipalArn': principal.arn,
  'aws:PrincipalAccount': '111122223333',
  'aws:PrincipalType': 'User',
  'aws:SourceIp': '203.0.113.9',
  'aws:MultiFactorAuthPresent': true,
  'aws:MultiFactorAuthAge': 120,
  'aws:SecureTransport': true,
  'aws:CurrentTime': new Date('2024-05-01T12:00:00Z'),
  'aws:EpochTime': 1714564800,
};
const requests = (context: AuthorizationRequest['context']): AuthorizationRequest[] => [
  { action: 's3:GetObject', resource: 'arn:aws:s3:::team-bucket/home/alice/notes.txt', principal, context },
  { action: 's3:GetObject', resource: 'arn:aws:s3:::team-bucket/home/bob/notes.txt', principal, context },
  { action: 'ec2:StartInstances', resource: 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc', principal, context },
  { action: 'ec2:RunInstances', resource: '*', principal, context },
];

interface Rate {
  wall: number;
  cpu: number;
}

/**
 * Runs `body` (which performs 1000 evaluations) for `seconds` of wall-clock time. Reports evaluations per
 * wall-clock second and per CPU second (user + system of this process): on a shared machine the CPU figure is
 * the one that says what one core can do.
 */
function measure(body: () => void): Rate {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  while (performance.now() < deadline) {
    body();
    n += 1000;
  }
  const wall = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu0);
  const cpu = (used.user + used.system) / 1e6;
  return { wall: n / wall, cpu: n / cpu };
}

const fmt = (r: number): string => Math.round(r).toLocaleString('en-US').padStart(11);
function report(name: string, r: Rate, unit = 'evaluations'): void {
  console.log(`${name.padEnd(48)} ${fmt(r.cpu)} ${unit} per CPU-second  ${fmt(r.wall)} per wall-clock second`);
}

function loop(reqs: AuthorizationRequest[]): () => void {
  return () => {
    for (let i = 0; i < 1000; i++) evaluate(reqs[i & 3]!, policies);
  };
}

const check = requests(new RequestContext(raw)).map((r) => evaluate(r, policies).effect);
console.log(`decisions: ${check.join(', ')}`);
measure(loop(requests(new RequestContext(raw)))); // warm-up
report('context prebuilt (RequestContext)', measure(loop(requests(new RequestContext(raw)))));
report('context as a plain object', measure(loop(requests(raw))));
const perRequest = requests(raw);
report(
  'new RequestContext built for every evaluation',
  measure(() => {
    for (let i = 0; i < 1000; i++) evaluate({ ...perRequest[i & 3]!, context: new RequestContext(raw) }, policies);
  }),
);

// Matching alone, one pattern of each shape that is neither equality nor a trailing `*` (before issue 11 these
// were regular expressions): wildcards that cross colons, `?`, and ArnLike wildcards held to their segment.
const ORDINARY: Array<[string, MatchMode, string]> = [
  ['arn:aws:ec2:*:111122223333:instance/*', 'resource', 'arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc'],
  ['arn:aws:s3:::logs-????/*/app-*.gz', 'resource', 'arn:aws:s3:::logs-2024/05/app-17.gz'],
  ['arn:aws:iam::*:role/deploy-*', 'arn', 'arn:aws:iam::111122223333:role/deploy-prod'],
  ['arn:aws:sts::*:assumed-role/*/alice', 'arn', 'arn:aws:sts::111122223333:assumed-role/admin/bob'],
  ['repo:octo-org/*:ref:refs/heads/*', 'plain', 'repo:octo-org/app:ref:refs/heads/main'],
  ['iam:*policy*', 'plain', 'iam:putrolepolicy'],
];
const matchers = ORDINARY.map(([pattern, mode]) => compilePattern(pattern, mode));
const candidates = ORDINARY.map((c) => c[2]);
report(
  'matching: six ordinary patterns in turn',
  measure(() => {
    for (let i = 0; i < 1000; i++) matchers[i % 6]!(candidates[i % 6]!);
  }),
  'matches',
);

/**
 * Adversarial patterns (what a caller may put in a session policy, which is at most 2048 characters) against
 * 2 KB candidates: the CPU time of one match, repeated for at least 200 ms; the worst row is the figure to watch.
 * A match that takes longer than CAP seconds is stopped (vm's timeout interrupts a running regular expression too).
 */
const CAP = 10;
const as = 'a'.repeat(2048);
const stars = (n: number) => '*a'.repeat(n) + '*b';
const ROLE = 'arn:aws:iam::111122223333:role/';
const ADVERSARIAL: Array<[string, string, string, MatchMode]> = [
  ['Resource role/*a*a…*b, 10 stars', ROLE + stars(10), ROLE + as.slice(0, 40), 'resource'],
  ['Resource role/*a*a…*b, 20 stars', ROLE + stars(20), ROLE + as, 'resource'],
  ['Resource role/*a*a…*b, 1000 stars', ROLE + stars(1000), ROLE + as, 'resource'],
  [
    'Resource, 1000 stars held to segment 5',
    'arn:aws:iam::' + stars(1000) + ':role/x',
    `arn:aws:iam::${as}:role/x`,
    'resource',
  ],
  [
    'Resource, 1000 stars, the last crossing colons',
    'arn:aws:iam::' + '*a'.repeat(1000) + '*:role/x',
    `arn:aws:iam::${as}:role/y`,
    'resource',
  ],
  [
    'ArnLike ?*?*…b, 1000 wildcard pairs',
    'arn:aws:iam::' + '?*'.repeat(1000) + 'b:1:x',
    `arn:aws:iam::${as}:1:x`,
    'arn',
  ],
  ['StringLike *a*a…*b, 1000 stars', stars(1000), as, 'plain'],
  ['StringLike *aaa…ab* (one 2000-char block)', '*' + as.slice(0, 2000) + 'b*', as, 'plain'],
  ['StringLike *a?a?…b* (one 2000-char block)', '*' + 'a?'.repeat(1000) + 'b*', as, 'plain'],
];
let worst = 0;
for (const [name, pattern, candidate, mode] of ADVERSARIAL) {
  const m = compilePattern(pattern, mode);
  let line: string;
  try {
    const perMatch = runInNewContext(
      'time()',
      {
        time: () => {
          let n = 0;
          const start = performance.now();
          const cpu0 = process.cpuUsage();
          do {
            m(candidate);
            n++;
          } while (performance.now() - start < 200);
          const used = process.cpuUsage(cpu0);
          return (used.user + used.system) / 1000 / n;
        },
      },
      { timeout: CAP * 1000 },
    ) as number;
    worst = Math.max(worst, perMatch);
    line = `${perMatch.toFixed(3).padStart(11)} ms CPU per match`;
  } catch {
    worst = Infinity;
    line = `    > ${CAP} s (stopped)`;
  }
  console.log(`${('adversarial: ' + name).padEnd(60)} ${line}`);
}
console.log(`${'adversarial: worst case'.padEnd(60)} ${worst === Infinity ? `> ${CAP} s` : `${worst.toFixed(3)} ms`}`);
