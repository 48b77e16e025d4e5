/**
 * Micro-benchmark of the policy engine: parse a typical three-statement identity policy once, evaluate it in a
 * loop for a few seconds, print evaluations per second. Not a test.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/policy.js [seconds-per-scenario]
 */
import { type AuthorizationRequest, type PolicySet, RequestContext, evaluate, parsePolicy } from '../src/iam/policy/index.js';

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
function report(name: string, r: Rate): void {
  console.log(`${name.padEnd(48)} ${fmt(r.cpu)} evaluations per CPU-second  ${fmt(r.wall)} per wall-clock second`);
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
