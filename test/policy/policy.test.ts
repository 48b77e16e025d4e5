/**
 * The IAM policy engine: parsing (with AWS's error messages), matching, conditions, variables, principals
 * and the decision. Table-driven: every row is a policy set, a request and the exact expected decision.
 *
 * Rows whose expected behaviour is our best reading of AWS's documentation but has not been checked against
 * AWS carry "UNCONFIRMED" in their name.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PolicySyntaxError } from '../../src/policy/errors.js';
import { toWireError } from '../../src/server/wire-error.js';
import {
  type AuthorizationRequest,
  type CallerPrincipal,
  type ContextValue,
  type Decision,
  type EvaluateOptions,
  type Policy,
  type PolicyKind,
  type PolicySet,
  RequestContext,
  accountOfArn,
  cidrContains,
  compilePattern,
  compilePrincipal,
  evaluate,
  evaluateTrust,
  isTrustAction,
  parseCidr,
  parseDate,
  parseIp,
  parsePolicy,
  policyPrincipals,
  principalMatches,
} from '../../src/policy/index.js';

// ---------------------------------------------------------------------------------------------------------
// Fixtures

const ACCT = '111122223333';
const OTHER = '444455556666';

const user = (name = 'alice', account = ACCT, path = '/'): CallerPrincipal => ({
  arn: `arn:aws:iam::${account}:user${path}${name}`,
  accountId: account,
  kind: 'user',
});
const rootOf = (account = ACCT): CallerPrincipal => ({
  arn: `arn:aws:iam::${account}:root`,
  accountId: account,
  kind: 'root',
});
const roleSession = (role = 'Dev', session = 'alice-session', account = ACCT, path = '/'): CallerPrincipal => ({
  arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
  accountId: account,
  kind: 'assumed-role',
  roleArn: `arn:aws:iam::${account}:role${path}${role}`,
});
const federatedUser = (name = 'fed', account = ACCT): CallerPrincipal => ({
  arn: `arn:aws:sts::${account}:federated-user/${name}`,
  accountId: account,
  kind: 'federated-user',
});
const service = (name: string): CallerPrincipal => ({ arn: name, accountId: '', kind: 'service', service: name });
const webIdentity = (provider: string): CallerPrincipal => ({
  arn: provider,
  accountId: '',
  kind: 'web-identity',
  federatedProvider: provider,
});
const saml = (provider: string): CallerPrincipal => ({
  arn: provider,
  accountId: '',
  kind: 'saml',
  federatedProvider: provider,
});
const anonymous: CallerPrincipal = { arn: '*', accountId: '', kind: 'anonymous' };

const GITHUB = `arn:aws:iam::${ACCT}:oidc-provider/token.actions.githubusercontent.com`;
const SAML_IDP = `arn:aws:iam::${ACCT}:saml-provider/Okta`;
const ROLE = `arn:aws:iam::${ACCT}:role/Target`;

type Json = Record<string, unknown>;

function doc(statements: Json | Json[], version: string | null = '2012-10-17'): string {
  return JSON.stringify(version === null ? { Statement: statements } : { Version: version, Statement: statements });
}
const identity = (...statements: Json[]): Policy => parsePolicy(doc(statements), 'identity');
const identity2008 = (...statements: Json[]): Policy => parsePolicy(doc(statements, '2008-10-17'), 'identity');
const noVersion = (...statements: Json[]): Policy => parsePolicy(doc(statements, null), 'identity');
const session = (...statements: Json[]): Policy => parsePolicy(doc(statements), 'session');
const resourcePolicy = (...statements: Json[]): Policy => parsePolicy(doc(statements), 'resource');
const trust = (...statements: Json[]): Policy => parsePolicy(doc(statements), 'trust');

const allow = (action: string | string[], resource: string | string[] = '*', extra: Json = {}): Json => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
  ...extra,
});
const deny = (action: string | string[], resource: string | string[] = '*', extra: Json = {}): Json => ({
  Effect: 'Deny',
  Action: action,
  Resource: resource,
  ...extra,
});
const trustAllow = (principal: unknown, extra: Json = {}, action: string | string[] = 'sts:AssumeRole'): Json => ({
  Effect: 'Allow',
  Principal: principal,
  Action: action,
  ...extra,
});

type Expected = Decision['effect'];

interface Row {
  name: string;
  policies: () => PolicySet;
  request: Partial<AuthorizationRequest>;
  expect: Expected;
  options?: EvaluateOptions;
  /** Expected `source:index:statement` of every matched statement, in order. */
  matched?: string[];
  reason?: RegExp;
}

function request(partial: Partial<AuthorizationRequest>): AuthorizationRequest {
  return {
    action: partial.action ?? 's3:GetObject',
    resource: partial.resource ?? 'arn:aws:s3:::bucket/key',
    principal: partial.principal ?? user(),
    ...(partial.context !== undefined ? { context: partial.context } : {}),
    ...(partial.resourceAccount !== undefined ? { resourceAccount: partial.resourceAccount } : {}),
  };
}

function runRows(rows: Row[]): void {
  for (const row of rows) {
    test(row.name, () => {
      const decision = evaluate(request(row.request), row.policies(), row.options);
      assert.equal(decision.effect, row.expect, `reason: ${decision.reason}`);
      if (row.matched) {
        assert.deepEqual(
          decision.matched.map((m) => `${m.source}:${m.index}:${m.statement}`),
          row.matched,
        );
      }
      if (row.reason) assert.match(decision.reason ?? '', row.reason);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Actions, resources, NotAction, NotResource, explicit deny

describe('identity policies: actions and resources', () => {
  runRows([
    { name: 'no policies at all is an implicit deny', policies: () => ({}), request: {}, expect: 'ImplicitDeny' },
    {
      name: 'empty identity list is an implicit deny',
      policies: () => ({ identity: [] }),
      request: {},
      expect: 'ImplicitDeny',
    },
    {
      name: 'exact action and resource',
      policies: () => ({ identity: [identity(allow('s3:GetObject', 'arn:aws:s3:::bucket/key'))] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'action is case-insensitive (policy side)',
      policies: () => ({ identity: [identity(allow('S3:GETOBJECT'))] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'action is case-insensitive (request side)',
      policies: () => ({ identity: [identity(allow('s3:GetObject'))] }),
      request: { action: 's3:getobject' },
      expect: 'Allow',
    },
    {
      name: 'action wildcard s3:Get*',
      policies: () => ({ identity: [identity(allow('s3:Get*'))] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'action wildcard s3:* ',
      policies: () => ({ identity: [identity(allow('s3:*'))] }),
      request: { action: 's3:PutObject' },
      expect: 'Allow',
    },
    {
      name: 'action * matches every service',
      policies: () => ({ identity: [identity(allow('*'))] }),
      request: { action: 'iam:CreateUser' },
      expect: 'Allow',
    },
    {
      name: 'action ? matches one character',
      policies: () => ({ identity: [identity(allow('s3:?etObject'))] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'action ? does not match two characters',
      policies: () => ({ identity: [identity(allow('s3:?tObject'))] }),
      request: {},
      expect: 'ImplicitDeny',
    },
    {
      name: 'action infix wildcard iam:*User*',
      policies: () => ({ identity: [identity(allow('iam:*User*'))] }),
      request: { action: 'iam:ListUserPolicies' },
      expect: 'Allow',
    },
    {
      name: 'action of another service does not match',
      policies: () => ({ identity: [identity(allow('ec2:*'))] }),
      request: { action: 'ec2messages:SendReply' },
      expect: 'ImplicitDeny',
    },
    {
      name: 'action list: second entry matches',
      policies: () => ({ identity: [identity(allow(['s3:PutObject', 's3:GetObject']))] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'different action does not match',
      policies: () => ({ identity: [identity(allow('s3:PutObject'))] }),
      request: {},
      expect: 'ImplicitDeny',
    },
    {
      name: 'resource * matches any ARN',
      policies: () => ({ identity: [identity(allow('s3:GetObject', '*'))] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'resource * matches the request resource *',
      policies: () => ({ identity: [identity(allow('sts:GetCallerIdentity', '*'))] }),
      request: { action: 'sts:GetCallerIdentity', resource: '*' },
      expect: 'Allow',
    },
    {
      name: 'a specific ARN does not match the request resource *',
      policies: () => ({ identity: [identity(allow('iam:ListRoles', 'arn:aws:iam::111122223333:role/*'))] }),
      request: { action: 'iam:ListRoles', resource: '*' },
      expect: 'ImplicitDeny',
    },
    {
      name: 'resource is case-sensitive',
      policies: () => ({ identity: [identity(allow('s3:GetObject', 'arn:aws:s3:::Bucket/key'))] }),
      request: {},
      expect: 'ImplicitDeny',
    },
    {
      name: 'resource bucket/* does not match the bucket itself',
      policies: () => ({ identity: [identity(allow('s3:ListBucket', 'arn:aws:s3:::bucket/*'))] }),
      request: { action: 's3:ListBucket', resource: 'arn:aws:s3:::bucket' },
      expect: 'ImplicitDeny',
    },
    {
      name: 'resource bucket* matches the bucket and its keys',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::bucket*'))] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'resource wildcard in the resource part crosses slashes',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::bucket/*'))] }),
      request: { resource: 'arn:aws:s3:::bucket/a/b/c' },
      expect: 'Allow',
    },
    {
      name: 'resource ? matches exactly one character',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::bucket/ke?'))] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'resource wildcard inside the region segment',
      policies: () => ({ identity: [identity(allow('ec2:*', 'arn:aws:ec2:us-*-1:111122223333:instance/*'))] }),
      request: { action: 'ec2:StartInstances', resource: 'arn:aws:ec2:us-east-1:111122223333:instance/i-1' },
      expect: 'Allow',
    },
    {
      name: 'resource wildcard for the account segment',
      policies: () => ({ identity: [identity(allow('iam:GetRole', 'arn:aws:iam::*:role/x'))] }),
      request: { action: 'iam:GetRole', resource: `arn:aws:iam::${ACCT}:role/x` },
      expect: 'Allow',
    },
    {
      name: 'resource: a * ending a segment expands across colons (arn:aws:s3:*)',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:*'))] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'resource: a * inside a segment does not cross a colon',
      policies: () => ({ identity: [identity(allow('iam:GetRole', 'arn:aws:iam::1*3:role/x'))] }),
      request: { action: 'iam:GetRole', resource: 'arn:aws:iam::1:2:3:role/x' },
      expect: 'ImplicitDeny',
    },
    {
      name: 'resource: different account does not match',
      policies: () => ({ identity: [identity(allow('iam:GetRole', `arn:aws:iam::${ACCT}:role/*`))] }),
      request: { action: 'iam:GetRole', resource: `arn:aws:iam::${OTHER}:role/x`, resourceAccount: ACCT },
      expect: 'ImplicitDeny',
    },
    {
      name: 'resource list: any entry matches',
      policies: () => ({
        identity: [identity(allow('s3:GetObject', ['arn:aws:s3:::other/*', 'arn:aws:s3:::bucket/*']))],
      }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'NotAction allows everything else',
      policies: () => ({ identity: [identity({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'NotAction excludes the listed actions',
      policies: () => ({ identity: [identity({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' })] }),
      request: { action: 'iam:CreateUser', resource: '*' },
      expect: 'ImplicitDeny',
    },
    {
      name: 'NotAction is case-insensitive',
      policies: () => ({ identity: [identity({ Effect: 'Allow', NotAction: 'IAM:*', Resource: '*' })] }),
      request: { action: 'iam:createuser', resource: '*' },
      expect: 'ImplicitDeny',
    },
    {
      name: 'NotResource allows the other resources',
      policies: () => ({
        identity: [identity({ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' })],
      }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'NotResource excludes the listed resources',
      policies: () => ({
        identity: [identity({ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::secret/*' })],
      }),
      request: { resource: 'arn:aws:s3:::secret/k' },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Deny with NotResource denies everything but the exception',
      policies: () => ({
        identity: [identity(allow('s3:*'), { Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::public/*' })],
      }),
      request: {},
      expect: 'ExplicitDeny',
    },
    {
      name: 'Deny with NotResource leaves the exception allowed',
      policies: () => ({
        identity: [identity(allow('s3:*'), { Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::public/*' })],
      }),
      request: { resource: 'arn:aws:s3:::public/x' },
      expect: 'Allow',
    },
    {
      name: 'Deny with NotAction denies the other actions',
      policies: () => ({
        identity: [identity(allow('*'), { Effect: 'Deny', NotAction: ['iam:ChangePassword'], Resource: '*' })],
      }),
      request: {},
      expect: 'ExplicitDeny',
    },
    {
      name: 'Deny with NotAction spares the listed action',
      policies: () => ({
        identity: [identity(allow('*'), { Effect: 'Deny', NotAction: ['iam:ChangePassword'], Resource: '*' })],
      }),
      request: { action: 'iam:ChangePassword', resource: '*' },
      expect: 'Allow',
    },
    {
      name: 'explicit deny beats allow in the same policy',
      policies: () => ({ identity: [identity(allow('s3:*'), deny('s3:GetObject'))] }),
      request: {},
      expect: 'ExplicitDeny',
      matched: ['identity:0:0', 'identity:0:1'],
    },
    {
      name: 'explicit deny beats allow in another policy',
      policies: () => ({ identity: [identity(allow('s3:*')), identity(deny('s3:*', 'arn:aws:s3:::bucket/*'))] }),
      request: {},
      expect: 'ExplicitDeny',
      matched: ['identity:0:0', 'identity:1:0'],
    },
    {
      name: 'explicit deny wins whatever the order',
      policies: () => ({ identity: [identity(deny('s3:*')), identity(allow('s3:*'))] }),
      request: {},
      expect: 'ExplicitDeny',
    },
    {
      name: 'a deny for another resource does not apply',
      policies: () => ({ identity: [identity(allow('s3:*'), deny('s3:*', 'arn:aws:s3:::other/*'))] }),
      request: {},
      expect: 'Allow',
      matched: ['identity:0:0'],
    },
    {
      name: 'a deny alone is an explicit deny',
      policies: () => ({ identity: [identity(deny('s3:*'))] }),
      request: {},
      expect: 'ExplicitDeny',
    },
    {
      name: 'policies are a union: second policy allows',
      policies: () => ({ identity: [identity(allow('ec2:*')), identity(allow('s3:GetObject'))] }),
      request: {},
      expect: 'Allow',
      matched: ['identity:1:0'],
    },
    {
      name: 'statement given as an object, not an array',
      policies: () => ({
        identity: [
          parsePolicy(JSON.stringify({ Version: '2012-10-17', Statement: allow('s3:GetObject') }), 'identity'),
        ],
      }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'an explicit deny reports the statement',
      policies: () => ({ identity: [identity({ Sid: 'NoDelete', ...deny('s3:GetObject') })] }),
      request: {},
      expect: 'ExplicitDeny',
      reason: /NoDelete/,
    },
  ]);

  test('matched reports source, policy index, statement index, sid and effect', () => {
    const d = evaluate(request({}), {
      identity: [
        identity(allow('ec2:*')),
        identity({ Sid: 'Read', ...allow('s3:Get*') }, { Sid: 'Guard', ...deny('s3:*', 'arn:aws:s3:::other/*') }),
      ],
    });
    assert.deepEqual(d, {
      effect: 'Allow',
      matched: [{ source: 'identity', index: 1, statement: 0, sid: 'Read', effect: 'Allow' }],
      reason: 'allowed by an identity-based policy',
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Conditions: one row per operator behaviour. Each row evaluates an Allow s3:GetObject with the condition.

interface CondRow {
  name: string;
  condition: Record<string, Record<string, unknown>>;
  context?: Record<string, ContextValue>;
  expect: boolean;
  version?: string;
}

function runConditionRows(rows: CondRow[]): void {
  for (const row of rows) {
    test(row.name, () => {
      const policy = parsePolicy(
        doc([allow('s3:GetObject', '*', { Condition: row.condition })], row.version ?? '2012-10-17'),
        'identity',
      );
      const d = evaluate(request(row.context ? { context: row.context } : {}), { identity: [policy] });
      assert.equal(d.effect, row.expect ? 'Allow' : 'ImplicitDeny');
      // The same through a prebuilt RequestContext.
      const d2 = evaluate(request({ context: new RequestContext(row.context ?? {}) }), { identity: [policy] });
      assert.equal(d2.effect, d.effect);
    });
  }
}

const T0 = '2024-05-01T12:00:00Z';
const T0_EPOCH = 1714564800;

describe('conditions: String operators', () => {
  runConditionRows([
    {
      name: 'StringEquals: equal',
      condition: { StringEquals: { 'aws:username': 'alice' } },
      context: { 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'StringEquals: different',
      condition: { StringEquals: { 'aws:username': 'alice' } },
      context: { 'aws:username': 'bob' },
      expect: false,
    },
    {
      name: 'StringEquals: case-sensitive value',
      condition: { StringEquals: { 'aws:username': 'alice' } },
      context: { 'aws:username': 'Alice' },
      expect: false,
    },
    {
      name: 'StringEquals: several values are ORed',
      condition: { StringEquals: { 'aws:username': ['bob', 'alice'] } },
      context: { 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'StringEquals: missing key is false',
      condition: { StringEquals: { 'aws:username': 'alice' } },
      context: {},
      expect: false,
    },
    {
      name: 'StringEquals: no context at all is false',
      condition: { StringEquals: { 'aws:username': 'alice' } },
      expect: false,
    },
    {
      name: 'StringEquals: key is case-insensitive (context side)',
      condition: { StringEquals: { 'aws:username': 'alice' } },
      context: { 'AWS:USERNAME': 'alice' },
      expect: true,
    },
    {
      name: 'StringEquals: key is case-insensitive (policy side)',
      condition: { StringEquals: { 'AWS:UserName': 'alice' } },
      context: { 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'StringEquals: number context value compares as text',
      condition: { StringEquals: { 'aws:MultiFactorAuthAge': '42' } },
      context: { 'aws:MultiFactorAuthAge': 42 },
      expect: true,
    },
    {
      name: 'StringEquals: number policy value compares as text',
      condition: { StringEquals: { 'ec2:Count': 42 } },
      context: { 'ec2:Count': '42' },
      expect: true,
    },
    {
      name: 'StringEquals: * is literal, not a wildcard',
      condition: { StringEquals: { 'aws:username': 'a*' } },
      context: { 'aws:username': 'alice' },
      expect: false,
    },
    {
      name: 'StringEquals: * literal matches a literal *',
      condition: { StringEquals: { 'aws:username': 'a*' } },
      context: { 'aws:username': 'a*' },
      expect: true,
    },
    {
      name: 'StringEquals: empty string equals empty string',
      condition: { StringEquals: { 's3:prefix': '' } },
      context: { 's3:prefix': '' },
      expect: true,
    },
    {
      name: 'StringEquals: principal tag key is case-insensitive',
      condition: { StringEquals: { 'aws:PrincipalTag/CostCenter': '42' } },
      context: { 'aws:principaltag/costcenter': '42' },
      expect: true,
    },
    {
      name: 'StringEquals: principal tag value is case-sensitive',
      condition: { StringEquals: { 'aws:PrincipalTag/team': 'Blue' } },
      context: { 'aws:PrincipalTag/team': 'blue' },
      expect: false,
    },
    {
      name: 'StringEquals: a key holding a Map value works',
      condition: { StringEquals: { 'sts:ExternalId': 'x-1' } },
      context: { 'sts:ExternalId': 'x-1' },
      expect: true,
    },
    {
      name: 'StringNotEquals: different is true',
      condition: { StringNotEquals: { 'aws:username': 'bob' } },
      context: { 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'StringNotEquals: equal is false',
      condition: { StringNotEquals: { 'aws:username': 'alice' } },
      context: { 'aws:username': 'alice' },
      expect: false,
    },
    {
      name: 'StringNotEquals: missing key is true',
      condition: { StringNotEquals: { 'aws:username': 'alice' } },
      context: {},
      expect: true,
    },
    {
      name: 'StringNotEquals: several values are NORed (one equal -> false)',
      condition: { StringNotEquals: { 'aws:username': ['bob', 'alice'] } },
      context: { 'aws:username': 'alice' },
      expect: false,
    },
    {
      name: 'StringNotEquals: several values are NORed (none equal -> true)',
      condition: { StringNotEquals: { 'aws:username': ['bob', 'carol'] } },
      context: { 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'StringEqualsIgnoreCase: different case is equal',
      condition: { StringEqualsIgnoreCase: { 'aws:username': 'ALICE' } },
      context: { 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'StringEqualsIgnoreCase: different value',
      condition: { StringEqualsIgnoreCase: { 'aws:username': 'ALICE' } },
      context: { 'aws:username': 'alicia' },
      expect: false,
    },
    {
      name: 'StringEqualsIgnoreCase: missing key is false',
      condition: { StringEqualsIgnoreCase: { 'aws:username': 'ALICE' } },
      context: {},
      expect: false,
    },
    {
      name: 'StringNotEqualsIgnoreCase: different case counts as equal',
      condition: { StringNotEqualsIgnoreCase: { 'aws:username': 'ALICE' } },
      context: { 'aws:username': 'alice' },
      expect: false,
    },
    {
      name: 'StringNotEqualsIgnoreCase: different value is true',
      condition: { StringNotEqualsIgnoreCase: { 'aws:username': 'ALICE' } },
      context: { 'aws:username': 'bob' },
      expect: true,
    },
    {
      name: 'StringNotEqualsIgnoreCase: missing key is true',
      condition: { StringNotEqualsIgnoreCase: { 'aws:username': 'ALICE' } },
      context: {},
      expect: true,
    },
    {
      name: 'StringLike: * wildcard',
      condition: { StringLike: { 'aws:username': 'a*' } },
      context: { 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'StringLike: ? wildcard',
      condition: { StringLike: { 'aws:username': 'al?ce' } },
      context: { 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'StringLike: ? needs exactly one character',
      condition: { StringLike: { 'aws:username': 'al?e' } },
      context: { 'aws:username': 'alice' },
      expect: false,
    },
    {
      name: 'StringLike: case-sensitive',
      condition: { StringLike: { 'aws:username': 'A*' } },
      context: { 'aws:username': 'alice' },
      expect: false,
    },
    {
      name: 'StringLike: * alone matches any present value',
      condition: { StringLike: { 'aws:username': '*' } },
      context: { 'aws:username': 'x' },
      expect: true,
    },
    {
      name: 'StringLike: * alone does not match a missing key',
      condition: { StringLike: { 'aws:username': '*' } },
      context: {},
      expect: false,
    },
    {
      name: 'StringLike: * crosses colons and slashes',
      condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*:ref:refs/heads/main' } },
      context: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/app:ref:refs/heads/main' },
      expect: true,
    },
    {
      name: 'StringLike: OIDC sub for another branch does not match',
      condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*:ref:refs/heads/main' } },
      context: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/app:ref:refs/heads/dev' },
      expect: false,
    },
    {
      name: 'StringLike: values are ORed',
      condition: { StringLike: { 'aws:username': ['x*', 'a*'] } },
      context: { 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'StringLike: no wildcard means equality',
      condition: { StringLike: { 'aws:username': 'alice' } },
      context: { 'aws:username': 'alice2' },
      expect: false,
    },
    {
      name: 'StringNotLike: no match is true',
      condition: { StringNotLike: { 'aws:username': 'a*' } },
      context: { 'aws:username': 'bob' },
      expect: true,
    },
    {
      name: 'StringNotLike: a match is false',
      condition: { StringNotLike: { 'aws:username': 'a*' } },
      context: { 'aws:username': 'alice' },
      expect: false,
    },
    {
      name: 'StringNotLike: missing key is true',
      condition: { StringNotLike: { 'aws:username': 'a*' } },
      context: {},
      expect: true,
    },
    {
      name: 'StringNotLike: NOR over values',
      condition: { StringNotLike: { 'aws:username': ['b*', 'a*'] } },
      context: { 'aws:username': 'alice' },
      expect: false,
    },
  ]);
});

describe('conditions: Numeric operators', () => {
  runConditionRows([
    {
      name: 'NumericEquals: equal',
      condition: { NumericEquals: { 'ec2:Count': '5' } },
      context: { 'ec2:Count': 5 },
      expect: true,
    },
    {
      name: 'NumericEquals: 5.0 equals 5',
      condition: { NumericEquals: { 'ec2:Count': '5.0' } },
      context: { 'ec2:Count': 5 },
      expect: true,
    },
    {
      name: 'NumericEquals: numeric policy value',
      condition: { NumericEquals: { 'ec2:Count': 5 } },
      context: { 'ec2:Count': '5' },
      expect: true,
    },
    {
      name: 'NumericEquals: different',
      condition: { NumericEquals: { 'ec2:Count': '5' } },
      context: { 'ec2:Count': 6 },
      expect: false,
    },
    {
      name: 'NumericEquals: missing key is false',
      condition: { NumericEquals: { 'ec2:Count': '5' } },
      context: {},
      expect: false,
    },
    {
      name: 'NumericEquals: non-numeric request value is false',
      condition: { NumericEquals: { 'ec2:Count': '5' } },
      context: { 'ec2:Count': 'five' },
      expect: false,
    },
    {
      name: 'NumericEquals: non-numeric policy value never matches (UNCONFIRMED: AWS may reject it)',
      condition: { NumericEquals: { 'ec2:Count': 'five' } },
      context: { 'ec2:Count': 5 },
      expect: false,
    },
    {
      name: 'NumericEquals: values are ORed',
      condition: { NumericEquals: { 'ec2:Count': ['1', '5'] } },
      context: { 'ec2:Count': 5 },
      expect: true,
    },
    {
      name: 'NumericNotEquals: different is true',
      condition: { NumericNotEquals: { 'ec2:Count': '5' } },
      context: { 'ec2:Count': 6 },
      expect: true,
    },
    {
      name: 'NumericNotEquals: equal is false',
      condition: { NumericNotEquals: { 'ec2:Count': '5' } },
      context: { 'ec2:Count': 5 },
      expect: false,
    },
    {
      name: 'NumericNotEquals: missing key is true',
      condition: { NumericNotEquals: { 'ec2:Count': '5' } },
      context: {},
      expect: true,
    },
    {
      name: 'NumericLessThan: less',
      condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
      context: { 'aws:MultiFactorAuthAge': 100 },
      expect: true,
    },
    {
      name: 'NumericLessThan: equal is false',
      condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
      context: { 'aws:MultiFactorAuthAge': 3600 },
      expect: false,
    },
    {
      name: 'NumericLessThan: missing key is false',
      condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
      context: {},
      expect: false,
    },
    {
      name: 'NumericLessThanEquals: equal',
      condition: { NumericLessThanEquals: { 'aws:MultiFactorAuthAge': '3600' } },
      context: { 'aws:MultiFactorAuthAge': 3600 },
      expect: true,
    },
    {
      name: 'NumericLessThanEquals: greater',
      condition: { NumericLessThanEquals: { 'aws:MultiFactorAuthAge': '3600' } },
      context: { 'aws:MultiFactorAuthAge': 3601 },
      expect: false,
    },
    {
      name: 'NumericGreaterThan: greater',
      condition: { NumericGreaterThan: { 'ec2:Count': '10' } },
      context: { 'ec2:Count': 10.5 },
      expect: true,
    },
    {
      name: 'NumericGreaterThan: equal is false',
      condition: { NumericGreaterThan: { 'ec2:Count': '10' } },
      context: { 'ec2:Count': 10 },
      expect: false,
    },
    {
      name: 'NumericGreaterThanEquals: equal',
      condition: { NumericGreaterThanEquals: { 'ec2:Count': '10' } },
      context: { 'ec2:Count': 10 },
      expect: true,
    },
    {
      name: 'NumericGreaterThanEquals: less',
      condition: { NumericGreaterThanEquals: { 'ec2:Count': '10' } },
      context: { 'ec2:Count': -3 },
      expect: false,
    },
    {
      name: 'NumericGreaterThanEquals: negative and decimal policy values',
      condition: { NumericGreaterThanEquals: { 'ec2:Count': '-2.5' } },
      context: { 'ec2:Count': '-2' },
      expect: true,
    },
  ]);
});

describe('conditions: Date operators', () => {
  runConditionRows([
    {
      name: 'DateLessThan: earlier Date object',
      condition: { DateLessThan: { 'aws:CurrentTime': T0 } },
      context: { 'aws:CurrentTime': new Date('2024-04-30T00:00:00Z') },
      expect: true,
    },
    {
      name: 'DateLessThan: later Date object',
      condition: { DateLessThan: { 'aws:CurrentTime': T0 } },
      context: { 'aws:CurrentTime': new Date('2024-05-02T00:00:00Z') },
      expect: false,
    },
    {
      name: 'DateLessThan: same instant is false',
      condition: { DateLessThan: { 'aws:CurrentTime': T0 } },
      context: { 'aws:CurrentTime': new Date(T0) },
      expect: false,
    },
    {
      name: 'DateLessThanEquals: same instant is true',
      condition: { DateLessThanEquals: { 'aws:CurrentTime': T0 } },
      context: { 'aws:CurrentTime': new Date(T0) },
      expect: true,
    },
    {
      name: 'DateGreaterThan: later',
      condition: { DateGreaterThan: { 'aws:CurrentTime': T0 } },
      context: { 'aws:CurrentTime': new Date('2024-05-01T12:00:01Z') },
      expect: true,
    },
    {
      name: 'DateGreaterThan: earlier',
      condition: { DateGreaterThan: { 'aws:CurrentTime': T0 } },
      context: { 'aws:CurrentTime': new Date('2024-05-01T11:59:59Z') },
      expect: false,
    },
    {
      name: 'DateGreaterThanEquals: same instant',
      condition: { DateGreaterThanEquals: { 'aws:CurrentTime': T0 } },
      context: { 'aws:CurrentTime': new Date(T0) },
      expect: true,
    },
    {
      name: 'DateEquals: same instant with another zone offset',
      condition: { DateEquals: { 'aws:CurrentTime': '2024-05-01T14:00:00+02:00' } },
      context: { 'aws:CurrentTime': new Date(T0) },
      expect: true,
    },
    {
      name: 'DateEquals: different instant',
      condition: { DateEquals: { 'aws:CurrentTime': T0 } },
      context: { 'aws:CurrentTime': new Date('2024-05-01T12:00:01Z') },
      expect: false,
    },
    {
      name: 'DateNotEquals: different instant',
      condition: { DateNotEquals: { 'aws:CurrentTime': T0 } },
      context: { 'aws:CurrentTime': new Date('2024-05-01T12:00:01Z') },
      expect: true,
    },
    {
      name: 'DateNotEquals: missing key is true',
      condition: { DateNotEquals: { 'aws:CurrentTime': T0 } },
      context: {},
      expect: true,
    },
    {
      name: 'DateLessThan: missing key is false',
      condition: { DateLessThan: { 'aws:CurrentTime': T0 } },
      context: {},
      expect: false,
    },
    {
      name: 'DateLessThan: policy value in epoch seconds',
      condition: { DateLessThan: { 'aws:CurrentTime': String(T0_EPOCH) } },
      context: { 'aws:CurrentTime': new Date('2024-05-01T11:00:00Z') },
      expect: true,
    },
    {
      name: 'DateLessThan: numeric policy value (epoch seconds)',
      condition: { DateLessThan: { 'aws:CurrentTime': T0_EPOCH } },
      context: { 'aws:CurrentTime': new Date('2024-05-01T13:00:00Z') },
      expect: false,
    },
    {
      name: 'DateGreaterThan: context number is epoch seconds (aws:EpochTime)',
      condition: { DateGreaterThan: { 'aws:EpochTime': T0 } },
      context: { 'aws:EpochTime': T0_EPOCH + 1 },
      expect: true,
    },
    {
      name: 'DateLessThan: context ISO string',
      condition: { DateLessThan: { 'aws:TokenIssueTime': T0 } },
      context: { 'aws:TokenIssueTime': '2024-05-01T11:00:00Z' },
      expect: true,
    },
    {
      name: 'DateLessThan: date-only policy value is midnight UTC',
      condition: { DateLessThan: { 'aws:CurrentTime': '2024-05-02' } },
      context: { 'aws:CurrentTime': new Date('2024-05-01T23:59:59Z') },
      expect: true,
    },
    {
      name: 'DateLessThan: ISO without zone is UTC',
      condition: { DateLessThan: { 'aws:CurrentTime': '2024-05-01T12:00:00' } },
      context: { 'aws:CurrentTime': new Date('2024-05-01T11:59:59Z') },
      expect: true,
    },
    {
      name: 'DateLessThan: fractional seconds',
      condition: { DateLessThan: { 'aws:CurrentTime': '2024-05-01T12:00:00.500Z' } },
      context: { 'aws:CurrentTime': new Date('2024-05-01T12:00:00.250Z') },
      expect: true,
    },
    {
      name: 'DateLessThan: unparsable request value is false',
      condition: { DateLessThan: { 'aws:CurrentTime': T0 } },
      context: { 'aws:CurrentTime': 'yesterday' },
      expect: false,
    },
    {
      name: 'DateGreaterThan: values are ORed',
      condition: { DateGreaterThan: { 'aws:CurrentTime': ['2030-01-01T00:00:00Z', '2020-01-01T00:00:00Z'] } },
      context: { 'aws:CurrentTime': new Date(T0) },
      expect: true,
    },
  ]);
});

describe('conditions: Bool, Binary, IP, ARN, Null', () => {
  runConditionRows([
    {
      name: 'Bool: true matches true',
      condition: { Bool: { 'aws:SecureTransport': 'true' } },
      context: { 'aws:SecureTransport': true },
      expect: true,
    },
    {
      name: 'Bool: JSON true policy value',
      condition: { Bool: { 'aws:SecureTransport': true } },
      context: { 'aws:SecureTransport': true },
      expect: true,
    },
    {
      name: 'Bool: false matches false',
      condition: { Bool: { 'aws:SecureTransport': 'false' } },
      context: { 'aws:SecureTransport': false },
      expect: true,
    },
    {
      name: 'Bool: true does not match false',
      condition: { Bool: { 'aws:SecureTransport': 'true' } },
      context: { 'aws:SecureTransport': false },
      expect: false,
    },
    {
      name: 'Bool: case-insensitive',
      condition: { Bool: { 'aws:SecureTransport': 'TRUE' } },
      context: { 'aws:SecureTransport': 'true' },
      expect: true,
    },
    {
      name: 'Bool: string context value',
      condition: { Bool: { 'aws:SecureTransport': 'false' } },
      context: { 'aws:SecureTransport': 'false' },
      expect: true,
    },
    {
      name: 'Bool: missing key is false',
      condition: { Bool: { 'aws:SecureTransport': 'false' } },
      context: {},
      expect: false,
    },
    {
      name: 'BoolIfExists: missing key is true',
      condition: { BoolIfExists: { 'aws:SecureTransport': 'true' } },
      context: {},
      expect: true,
    },
    {
      name: 'BoolIfExists: present and different is false',
      condition: { BoolIfExists: { 'aws:SecureTransport': 'true' } },
      context: { 'aws:SecureTransport': false },
      expect: false,
    },
    {
      name: 'BinaryEquals: same bytes',
      condition: { BinaryEquals: { 'ex:Blob': 'QmluYXJ5VmFsdWU=' } },
      context: { 'ex:Blob': 'QmluYXJ5VmFsdWU=' },
      expect: true,
    },
    {
      name: 'BinaryEquals: padding does not matter',
      condition: { BinaryEquals: { 'ex:Blob': 'YQ==' } },
      context: { 'ex:Blob': 'YQ' },
      expect: true,
    },
    {
      name: 'BinaryEquals: different bytes',
      condition: { BinaryEquals: { 'ex:Blob': 'YQ==' } },
      context: { 'ex:Blob': 'Yg==' },
      expect: false,
    },
    {
      name: 'BinaryEquals: missing key is false',
      condition: { BinaryEquals: { 'ex:Blob': 'YQ==' } },
      context: {},
      expect: false,
    },
    {
      name: 'IpAddress: inside an IPv4 /24',
      condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
      context: { 'aws:SourceIp': '203.0.113.77' },
      expect: true,
    },
    {
      name: 'IpAddress: outside an IPv4 /24',
      condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
      context: { 'aws:SourceIp': '203.0.114.1' },
      expect: false,
    },
    {
      name: 'IpAddress: single address',
      condition: { IpAddress: { 'aws:SourceIp': '198.51.100.7' } },
      context: { 'aws:SourceIp': '198.51.100.7' },
      expect: true,
    },
    {
      name: 'IpAddress: /32 excludes the neighbour',
      condition: { IpAddress: { 'aws:SourceIp': '198.51.100.7/32' } },
      context: { 'aws:SourceIp': '198.51.100.8' },
      expect: false,
    },
    {
      name: 'IpAddress: /0 contains everything IPv4',
      condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } },
      context: { 'aws:SourceIp': '8.8.8.8' },
      expect: true,
    },
    {
      name: 'IpAddress: odd prefix /20',
      condition: { IpAddress: { 'aws:SourceIp': '10.16.0.0/20' } },
      context: { 'aws:SourceIp': '10.16.15.255' },
      expect: true,
    },
    {
      name: 'IpAddress: odd prefix /20, just outside',
      condition: { IpAddress: { 'aws:SourceIp': '10.16.0.0/20' } },
      context: { 'aws:SourceIp': '10.16.16.0' },
      expect: false,
    },
    {
      name: 'IpAddress: values are ORed',
      condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '203.0.113.0/24'] } },
      context: { 'aws:SourceIp': '203.0.113.5' },
      expect: true,
    },
    {
      name: 'IpAddress: inside an IPv6 /32',
      condition: { IpAddress: { 'aws:SourceIp': '2001:db8::/32' } },
      context: { 'aws:SourceIp': '2001:db8:1234::1' },
      expect: true,
    },
    {
      name: 'IpAddress: outside an IPv6 /32',
      condition: { IpAddress: { 'aws:SourceIp': '2001:db8::/32' } },
      context: { 'aws:SourceIp': '2001:db9::1' },
      expect: false,
    },
    {
      name: 'IpAddress: IPv6 /64 with a full address',
      condition: { IpAddress: { 'aws:SourceIp': '2001:db8:0:1::/64' } },
      context: { 'aws:SourceIp': '2001:0db8:0000:0001:ffff:ffff:ffff:ffff' },
      expect: true,
    },
    {
      name: 'IpAddress: IPv4-mapped IPv6 request address matches an IPv4 block',
      condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
      context: { 'aws:SourceIp': '::ffff:203.0.113.9' },
      expect: true,
    },
    {
      name: 'IpAddress: IPv4 request never matches an IPv6 block',
      condition: { IpAddress: { 'aws:SourceIp': '::/0' } },
      context: { 'aws:SourceIp': '203.0.113.9' },
      expect: false,
    },
    {
      name: 'IpAddress: missing key is false',
      condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } },
      context: {},
      expect: false,
    },
    {
      name: 'IpAddress: unparsable request address is false',
      condition: { IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } },
      context: { 'aws:SourceIp': 'not-an-ip' },
      expect: false,
    },
    {
      name: 'NotIpAddress: outside is true',
      condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
      context: { 'aws:SourceIp': '192.0.2.1' },
      expect: true,
    },
    {
      name: 'NotIpAddress: inside is false',
      condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
      context: { 'aws:SourceIp': '203.0.113.1' },
      expect: false,
    },
    {
      name: 'NotIpAddress: missing key is true',
      condition: { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } },
      context: {},
      expect: true,
    },
    {
      name: 'IpAddress: an unparsable policy block never matches (UNCONFIRMED: AWS may reject the policy)',
      condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/33' } },
      context: { 'aws:SourceIp': '203.0.113.1' },
      expect: false,
    },
    {
      name: 'IpAddress: host bits in the policy block are ignored',
      condition: { IpAddress: { 'aws:SourceIp': '203.0.113.77/24' } },
      context: { 'aws:SourceIp': '203.0.113.1' },
      expect: true,
    },
    {
      name: 'IpAddress: IPv6 request address in upper case',
      condition: { IpAddress: { 'aws:SourceIp': '2001:db8::/32' } },
      context: { 'aws:SourceIp': '2001:DB8::ABCD' },
      expect: true,
    },
    {
      name: 'ArnEquals: equal',
      condition: { ArnEquals: { 'aws:SourceArn': `arn:aws:sns:us-east-1:${ACCT}:topic` } },
      context: { 'aws:SourceArn': `arn:aws:sns:us-east-1:${ACCT}:topic` },
      expect: true,
    },
    {
      name: 'ArnEquals: accepts wildcards like ArnLike',
      condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:sns:*:*:topic' } },
      context: { 'aws:SourceArn': `arn:aws:sns:us-east-1:${ACCT}:topic` },
      expect: true,
    },
    {
      name: 'ArnLike: wildcard role name',
      condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/admin-*' } },
      context: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:role/admin-ops` },
      expect: true,
    },
    {
      name: 'ArnLike: case-sensitive',
      condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Admin' } },
      context: { 'aws:PrincipalArn': `arn:aws:iam::${ACCT}:role/admin` },
      expect: false,
    },
    {
      name: 'ArnLike: each of the six components is matched separately',
      condition: { ArnLike: { 'aws:SourceArn': `arn:*:iam::${ACCT}:role/x` } },
      context: { 'aws:SourceArn': `arn:aws:extra:iam::${ACCT}:role/x` },
      expect: false,
    },
    {
      name: 'ArnLike: wildcards in the resource component cross colons',
      condition: { ArnLike: { 'aws:SourceArn': `arn:aws:lambda:us-east-1:${ACCT}:function:*` } },
      context: { 'aws:SourceArn': `arn:aws:lambda:us-east-1:${ACCT}:function:f:prod` },
      expect: true,
    },
    {
      name: 'ArnLike: a non-ARN request value does not match',
      condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::*' } },
      context: { 'aws:SourceArn': 'bucket' },
      expect: false,
    },
    // Fewer than six fields: IAM compares ARNs field by field and does not say; the answer that grants less.
    {
      name: 'ArnLike with fewer than six fields does not hold in an Allow',
      condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:*' } },
      context: { 'aws:SourceArn': 'arn:aws:s3:::bucket' },
      expect: false,
    },
    {
      name: 'ArnNotLike with fewer than six fields does not hold in an Allow',
      condition: { ArnNotLike: { 'aws:SourceArn': 'arn:aws:s3:*' } },
      context: { 'aws:SourceArn': 'arn:aws:sqs:us-east-1:111122223333:q' },
      expect: false,
    },
    {
      name: 'ArnEquals with fewer than six fields, no wildcard, does not hold in an Allow',
      condition: { ArnEquals: { 'aws:SourceArn': 'arn:aws:sqs' } },
      context: { 'aws:SourceArn': 'arn:aws:sqs' },
      expect: false,
    },
    {
      name: 'ArnLike: a six-field value next to a short one still matches',
      condition: { ArnLike: { 'aws:SourceArn': ['arn:aws:s3:*', 'arn:aws:s3:::b*'] } },
      context: { 'aws:SourceArn': 'arn:aws:s3:::bucket' },
      expect: true,
    },
    {
      name: 'ArnLike: missing key is false',
      condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::*' } },
      context: {},
      expect: false,
    },
    {
      name: 'ArnNotEquals: different is true',
      condition: { ArnNotEquals: { 'aws:SourceArn': 'arn:aws:s3:::a' } },
      context: { 'aws:SourceArn': 'arn:aws:s3:::b' },
      expect: true,
    },
    {
      name: 'ArnNotEquals: equal is false',
      condition: { ArnNotEquals: { 'aws:SourceArn': 'arn:aws:s3:::a' } },
      context: { 'aws:SourceArn': 'arn:aws:s3:::a' },
      expect: false,
    },
    {
      name: 'ArnNotLike: a match is false',
      condition: { ArnNotLike: { 'aws:SourceArn': 'arn:aws:s3:::a*' } },
      context: { 'aws:SourceArn': 'arn:aws:s3:::abc' },
      expect: false,
    },
    {
      name: 'ArnNotLike: missing key is true',
      condition: { ArnNotLike: { 'aws:SourceArn': 'arn:aws:s3:::a*' } },
      context: {},
      expect: true,
    },
    {
      name: 'Null true: missing key',
      condition: { Null: { 'aws:TokenIssueTime': 'true' } },
      context: {},
      expect: true,
    },
    {
      name: 'Null true: present key',
      condition: { Null: { 'aws:TokenIssueTime': 'true' } },
      context: { 'aws:TokenIssueTime': new Date(T0) },
      expect: false,
    },
    {
      name: 'Null false: present key',
      condition: { Null: { 'aws:TokenIssueTime': 'false' } },
      context: { 'aws:TokenIssueTime': new Date(T0) },
      expect: true,
    },
    {
      name: 'Null false: missing key',
      condition: { Null: { 'aws:TokenIssueTime': 'false' } },
      context: {},
      expect: false,
    },
    {
      name: 'Null: JSON boolean policy value',
      condition: { Null: { 'aws:TokenIssueTime': true } },
      context: {},
      expect: true,
    },
    {
      name: 'Null: a null context value is missing',
      condition: { Null: { 'aws:TokenIssueTime': 'true' } },
      context: { 'aws:TokenIssueTime': null },
      expect: true,
    },
    {
      name: 'Null: an empty list is missing (UNCONFIRMED)',
      condition: { Null: { 'aws:TagKeys': 'true' } },
      context: { 'aws:TagKeys': [] },
      expect: true,
    },
    {
      name: 'Null: key is case-insensitive',
      condition: { Null: { 'AWS:TOKENISSUETIME': 'false' } },
      context: { 'aws:TokenIssueTime': new Date(T0) },
      expect: true,
    },
  ]);
});

describe('conditions: IfExists', () => {
  runConditionRows([
    {
      name: 'StringEqualsIfExists: missing key is true',
      condition: { StringEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } },
      context: {},
      expect: true,
    },
    {
      name: 'StringEqualsIfExists: present and equal',
      condition: { StringEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } },
      context: { 'ec2:InstanceType': 't3.micro' },
      expect: true,
    },
    {
      name: 'StringEqualsIfExists: present and different',
      condition: { StringEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } },
      context: { 'ec2:InstanceType': 'm5.large' },
      expect: false,
    },
    {
      name: 'StringNotEqualsIfExists: missing key is true',
      condition: { StringNotEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } },
      context: {},
      expect: true,
    },
    {
      name: 'StringNotEqualsIfExists: present and equal is false',
      condition: { StringNotEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } },
      context: { 'ec2:InstanceType': 't3.micro' },
      expect: false,
    },
    {
      name: 'StringLikeIfExists: missing key is true',
      condition: { StringLikeIfExists: { 'ec2:InstanceType': 't3.*' } },
      context: {},
      expect: true,
    },
    {
      name: 'StringLikeIfExists: present, no match',
      condition: { StringLikeIfExists: { 'ec2:InstanceType': 't3.*' } },
      context: { 'ec2:InstanceType': 'm5.large' },
      expect: false,
    },
    {
      name: 'NumericLessThanIfExists: missing key is true',
      condition: { NumericLessThanIfExists: { 'aws:MultiFactorAuthAge': '3600' } },
      context: {},
      expect: true,
    },
    {
      name: 'NumericLessThanIfExists: present and too old',
      condition: { NumericLessThanIfExists: { 'aws:MultiFactorAuthAge': '3600' } },
      context: { 'aws:MultiFactorAuthAge': 7200 },
      expect: false,
    },
    {
      name: 'DateGreaterThanIfExists: missing key is true',
      condition: { DateGreaterThanIfExists: { 'aws:TokenIssueTime': T0 } },
      context: {},
      expect: true,
    },
    {
      name: 'IpAddressIfExists: missing key is true',
      condition: { IpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' } },
      context: {},
      expect: true,
    },
    {
      name: 'IpAddressIfExists: present and outside',
      condition: { IpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' } },
      context: { 'aws:SourceIp': '11.0.0.1' },
      expect: false,
    },
    {
      name: 'ArnLikeIfExists: missing key is true',
      condition: { ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:s3:::x' } },
      context: {},
      expect: true,
    },
    {
      name: 'BinaryEqualsIfExists: missing key is true',
      condition: { BinaryEqualsIfExists: { 'ex:Blob': 'YQ==' } },
      context: {},
      expect: true,
    },
    {
      name: 'IfExists: operator names are case-insensitive (UNCONFIRMED)',
      condition: { stringequalsifexists: { 'ec2:InstanceType': 't3.micro' } },
      context: {},
      expect: true,
    },
  ]);
});

describe('conditions: ForAnyValue / ForAllValues', () => {
  runConditionRows([
    {
      name: 'ForAllValues:StringEquals: every request value allowed',
      condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team', 'cost'] } },
      context: { 'aws:TagKeys': ['env', 'team'] },
      expect: true,
    },
    {
      name: 'ForAllValues:StringEquals: one request value not allowed',
      condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } },
      context: { 'aws:TagKeys': ['env', 'owner'] },
      expect: false,
    },
    {
      name: 'ForAllValues: missing key is true',
      condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } },
      context: {},
      expect: true,
    },
    {
      name: 'ForAllValues: empty list is true',
      condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } },
      context: { 'aws:TagKeys': [] },
      expect: true,
    },
    {
      name: 'ForAllValues: single-valued key',
      condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } },
      context: { 'aws:TagKeys': 'env' },
      expect: true,
    },
    {
      name: 'ForAllValues:StringLike: every value matches a pattern',
      condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['env*', 'team'] } },
      context: { 'aws:TagKeys': ['env1', 'env-prod', 'team'] },
      expect: true,
    },
    {
      name: 'ForAllValues:StringEqualsIgnoreCase',
      condition: { 'ForAllValues:StringEqualsIgnoreCase': { 'aws:TagKeys': ['ENV', 'TEAM'] } },
      context: { 'aws:TagKeys': ['env', 'Team'] },
      expect: true,
    },
    {
      name: 'ForAllValues:StringNotEquals: no request value is listed',
      condition: { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['secret'] } },
      context: { 'aws:TagKeys': ['env', 'team'] },
      expect: true,
    },
    {
      name: 'ForAllValues:StringNotEquals: one request value is listed',
      condition: { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['secret'] } },
      context: { 'aws:TagKeys': ['env', 'secret'] },
      expect: false,
    },
    {
      name: 'ForAllValues:StringNotEquals: missing key is true',
      condition: { 'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['secret'] } },
      context: {},
      expect: true,
    },
    {
      name: 'ForAllValues:NumericLessThan: all below',
      condition: { 'ForAllValues:NumericLessThan': { 'ex:Sizes': '10' } },
      context: { 'ex:Sizes': [1, 2, 9] },
      expect: true,
    },
    {
      name: 'ForAllValues:NumericLessThan: one above',
      condition: { 'ForAllValues:NumericLessThan': { 'ex:Sizes': '10' } },
      context: { 'ex:Sizes': [1, 20] },
      expect: false,
    },
    {
      name: 'ForAnyValue:StringEquals: one request value listed',
      condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env', 'cost'] } },
      context: { 'aws:TagKeys': ['owner', 'cost'] },
      expect: true,
    },
    {
      name: 'ForAnyValue:StringEquals: none listed',
      condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } },
      context: { 'aws:TagKeys': ['owner', 'cost'] },
      expect: false,
    },
    {
      name: 'ForAnyValue: missing key is false',
      condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } },
      context: {},
      expect: false,
    },
    {
      name: 'ForAnyValue: empty list is false',
      condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['env'] } },
      context: { 'aws:TagKeys': [] },
      expect: false,
    },
    // ForAnyValue says false on a missing key, IfExists says true: the answer that grants less (Deny rows below).
    {
      name: 'ForAnyValue:StringEqualsIfExists: missing key does not hold in an Allow',
      condition: { 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': ['env'] } },
      context: {},
      expect: false,
    },
    {
      name: 'ForAnyValue:StringEqualsIfExists: present key is tested',
      condition: { 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': ['env'] } },
      context: { 'aws:TagKeys': ['env', 'x'] },
      expect: true,
    },
    {
      name: 'ForAllValues:StringEqualsIfExists: missing key is true',
      condition: { 'ForAllValues:StringEqualsIfExists': { 'aws:TagKeys': ['env'] } },
      context: {},
      expect: true,
    },
    {
      name: 'ForAllValues:StringEqualsIfExists: present, one value not listed',
      condition: { 'ForAllValues:StringEqualsIfExists': { 'aws:TagKeys': ['env'] } },
      context: { 'aws:TagKeys': ['env', 'x'] },
      expect: false,
    },
    {
      name: 'ForAnyValue:StringNotLike: a value outside the pattern',
      condition: { 'ForAnyValue:StringNotLike': { 'aws:TagKeys': 'aws:*' } },
      context: { 'aws:TagKeys': ['aws:x', 'mine'] },
      expect: true,
    },
    {
      name: 'ForAllValues:StringNotLike: a reserved prefix is refused',
      condition: { 'ForAllValues:StringNotLike': { 'aws:TagKeys': 'aws:*' } },
      context: { 'aws:TagKeys': ['aws:x', 'mine'] },
      expect: false,
    },
    {
      name: 'ForAnyValue:Bool over a multi-valued key',
      condition: { 'ForAnyValue:Bool': { 'ex:Flags': 'true' } },
      context: { 'ex:Flags': [false, true] },
      expect: true,
    },
    {
      name: 'ForAnyValue:StringLike: a value matches',
      condition: { 'ForAnyValue:StringLike': { 'sts:TransitiveTagKeys': 'proj*' } },
      context: { 'sts:TransitiveTagKeys': ['x', 'project'] },
      expect: true,
    },
    {
      name: 'ForAnyValue:StringNotEquals: some request value is not listed',
      condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a'] } },
      context: { 'aws:TagKeys': ['a', 'b'] },
      expect: true,
    },
    {
      name: 'ForAnyValue:StringNotEquals: every request value is listed',
      condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a', 'b'] } },
      context: { 'aws:TagKeys': ['a', 'b'] },
      expect: false,
    },
    {
      name: 'ForAnyValue:StringNotEquals: missing key is false',
      condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['a'] } },
      context: {},
      expect: false,
    },
    {
      name: 'ForAnyValue:IpAddress over several addresses',
      condition: { 'ForAnyValue:IpAddress': { 'ex:Hops': '10.0.0.0/8' } },
      context: { 'ex:Hops': ['192.0.2.1', '10.1.2.3'] },
      expect: true,
    },
    {
      name: 'ForAnyValue:NumericGreaterThan',
      condition: { 'ForAnyValue:NumericGreaterThan': { 'ex:Sizes': '10' } },
      context: { 'ex:Sizes': [1, 20] },
      expect: true,
    },
    {
      name: 'unqualified StringEquals on a multi-valued key: any value (UNCONFIRMED)',
      condition: { StringEquals: { 'aws:TagKeys': 'env' } },
      context: { 'aws:TagKeys': ['owner', 'env'] },
      expect: true,
    },
    {
      name: 'unqualified StringNotEquals on a multi-valued key: none may match (UNCONFIRMED)',
      condition: { StringNotEquals: { 'aws:TagKeys': 'env' } },
      context: { 'aws:TagKeys': ['owner', 'env'] },
      expect: false,
    },
    {
      name: 'qualifier names are case-insensitive (UNCONFIRMED)',
      condition: { 'forallvalues:StringEquals': { 'aws:TagKeys': ['env'] } },
      context: { 'aws:TagKeys': ['env'] },
      expect: true,
    },
  ]);
});

describe('conditions: combining', () => {
  runConditionRows([
    {
      name: 'two keys in one operator are ANDed (both hold)',
      condition: { StringEquals: { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'blue' } },
      context: { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'blue' },
      expect: true,
    },
    {
      name: 'two keys in one operator are ANDed (one fails)',
      condition: { StringEquals: { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'blue' } },
      context: { 'aws:username': 'alice', 'aws:PrincipalTag/team': 'red' },
      expect: false,
    },
    {
      name: 'two operators are ANDed (both hold)',
      condition: { StringEquals: { 'aws:username': 'alice' }, Bool: { 'aws:SecureTransport': 'true' } },
      context: { 'aws:username': 'alice', 'aws:SecureTransport': true },
      expect: true,
    },
    {
      name: 'two operators are ANDed (one fails)',
      condition: { StringEquals: { 'aws:username': 'alice' }, Bool: { 'aws:SecureTransport': 'true' } },
      context: { 'aws:username': 'alice', 'aws:SecureTransport': false },
      expect: false,
    },
    { name: 'an empty operator block is no condition', condition: { StringEquals: {} }, context: {}, expect: true },
    { name: 'an empty Condition block is no condition', condition: {}, context: {}, expect: true },
    {
      name: 'a condition key with colons in the tag key',
      condition: { StringEquals: { 'aws:ResourceTag/aws:cloudformation:stack-name': 'prod' } },
      context: { 'aws:ResourceTag/aws:cloudformation:stack-name': 'prod' },
      expect: true,
    },
  ]);

  test('a Map context works like an object', () => {
    const p = identity(allow('s3:GetObject', '*', { Condition: { StringEquals: { 'aws:username': 'alice' } } }));
    const d = evaluate(request({ context: new Map([['AWS:Username', 'alice']]) }), { identity: [p] });
    assert.equal(d.effect, 'Allow');
  });

  test('RequestContext.with adds and replaces keys', () => {
    const base = new RequestContext({ 'aws:username': 'alice', 'aws:SourceIp': '10.0.0.1' });
    const next = base.with({ 'AWS:USERNAME': 'bob', 'sts:ExternalId': 'x' });
    assert.equal(next.get('aws:username')?.single(), 'bob');
    assert.equal(next.get('aws:sourceip')?.single(), '10.0.0.1');
    assert.equal(base.get('aws:username')?.single(), 'alice');
    assert.deepEqual(next.keys().sort(), ['aws:sourceip', 'aws:username', 'sts:externalid']);
  });
});

describe('an unresolved variable in a negated operator takes the answer that grants less (UNCONFIRMED)', () => {
  // AWS: an unresolved variable "can cause the entire statement to be invalid"; which way is not documented. Ours:
  // "not equal to an unknown value" is undecidable, so an Allow does not apply and a Deny does.
  const negated = [
    { StringNotEquals: { 'aws:ResourceTag/owner': '${aws:username}' } },
    { StringNotEqualsIgnoreCase: { 'aws:ResourceTag/owner': '${aws:username}' } },
    { StringNotLike: { 'aws:ResourceTag/owner': '${aws:username}-*' } },
    { ArnNotLike: { 'aws:SourceArn': 'arn:aws:s3:::${aws:username}-*' } },
    { ArnNotEquals: { 'aws:SourceArn': 'arn:aws:s3:::${aws:username}' } },
  ];
  const context = { 'aws:ResourceTag/owner': 'alice', 'aws:SourceArn': 'arn:aws:s3:::alice-logs' };
  for (const condition of negated) {
    const op = Object.keys(condition)[0]!;
    test(`${op}: a Deny applies, and wins over an Allow`, () => {
      const policy = parsePolicy(
        doc([
          allow('s3:GetObject', '*'),
          { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: condition },
        ]),
        'identity',
      );
      assert.equal(evaluate(request({ context }), { identity: [policy] }).effect, 'ExplicitDeny');
    });
    test(`${op}: resolved, the Deny is decided by the value`, () => {
      const policy = parsePolicy(
        doc([
          allow('s3:GetObject', '*'),
          { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: condition },
        ]),
        'identity',
      );
      const own = { 'aws:ResourceTag/owner': 'alice', 'aws:SourceArn': 'arn:aws:s3:::alice', 'aws:username': 'alice' };
      const stranger = { ...context, 'aws:username': 'mallory' };
      assert.equal(evaluate(request({ context: stranger }), { identity: [policy] }).effect, 'ExplicitDeny');
      if (op !== 'StringNotLike' && op !== 'ArnNotLike')
        assert.equal(evaluate(request({ context: own }), { identity: [policy] }).effect, 'Allow');
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Policy variables

describe('policy variables', () => {
  const home = (version = '2012-10-17') =>
    parsePolicy(doc([allow('s3:*', 'arn:aws:s3:::bucket/home/${aws:username}/*')], version), 'identity');
  runRows([
    {
      name: '${aws:username} in Resource: own prefix',
      policies: () => ({ identity: [home()] }),
      request: { resource: 'arn:aws:s3:::bucket/home/alice/a.txt', context: { 'aws:username': 'alice' } },
      expect: 'Allow',
    },
    {
      name: '${aws:username} in Resource: another user prefix',
      policies: () => ({ identity: [home()] }),
      request: { resource: 'arn:aws:s3:::bucket/home/bob/a.txt', context: { 'aws:username': 'alice' } },
      expect: 'ImplicitDeny',
    },
    {
      name: '${aws:username} unresolved: the pattern matches nothing',
      policies: () => ({ identity: [home()] }),
      request: { resource: 'arn:aws:s3:::bucket/home/alice/a.txt', context: {} },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Version 2008-10-17: variables are plain text',
      policies: () => ({ identity: [home('2008-10-17')] }),
      request: { resource: 'arn:aws:s3:::bucket/home/alice/a.txt', context: { 'aws:username': 'alice' } },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Version 2008-10-17: the literal text matches',
      policies: () => ({ identity: [home('2008-10-17')] }),
      request: { resource: 'arn:aws:s3:::bucket/home/${aws:username}/a.txt', context: { 'aws:username': 'alice' } },
      expect: 'Allow',
    },
    {
      name: 'no Version means 2008-10-17: no substitution',
      policies: () => ({ identity: [noVersion(allow('s3:*', 'arn:aws:s3:::bucket/home/${aws:username}/*'))] }),
      request: { resource: 'arn:aws:s3:::bucket/home/alice/a.txt', context: { 'aws:username': 'alice' } },
      expect: 'ImplicitDeny',
    },
    {
      name: 'variable keys are case-insensitive',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::bucket/${AWS:UserName}/*'))] }),
      request: { resource: 'arn:aws:s3:::bucket/alice/x', context: { 'aws:username': 'alice' } },
      expect: 'Allow',
    },
    {
      name: '${aws:PrincipalTag/team} in Resource',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::teams/${aws:PrincipalTag/team}/*'))] }),
      request: { resource: 'arn:aws:s3:::teams/blue/x', context: { 'aws:PrincipalTag/Team': 'blue' } },
      expect: 'Allow',
    },
    {
      name: 'default value used when the key is missing',
      policies: () => ({
        identity: [identity(allow('s3:*', "arn:aws:s3:::teams/${aws:PrincipalTag/team, 'shared'}/*"))],
      }),
      request: { resource: 'arn:aws:s3:::teams/shared/x', context: {} },
      expect: 'Allow',
    },
    {
      name: 'default value not used when the key is present',
      policies: () => ({
        identity: [identity(allow('s3:*', "arn:aws:s3:::teams/${aws:PrincipalTag/team, 'shared'}/*"))],
      }),
      request: { resource: 'arn:aws:s3:::teams/shared/x', context: { 'aws:PrincipalTag/team': 'blue' } },
      expect: 'ImplicitDeny',
    },
    {
      name: '${*} is a literal star',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::bucket/${*}'))] }),
      request: { resource: 'arn:aws:s3:::bucket/*' },
      expect: 'Allow',
    },
    {
      name: '${*} is not a wildcard',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::bucket/${*}'))] }),
      request: { resource: 'arn:aws:s3:::bucket/key' },
      expect: 'ImplicitDeny',
    },
    {
      name: '${?} is a literal question mark',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::bucket/what${?}'))] }),
      request: { resource: 'arn:aws:s3:::bucket/what?' },
      expect: 'Allow',
    },
    {
      name: '${$} is a literal dollar',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::bucket/${$}{aws:username}'))] }),
      request: { resource: 'arn:aws:s3:::bucket/${aws:username}', context: { 'aws:username': 'alice' } },
      expect: 'Allow',
    },
    {
      name: 'a substituted value is literal: * in the value is not a wildcard',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::b/${aws:PrincipalTag/p}'))] }),
      request: { resource: 'arn:aws:s3:::b/abc', context: { 'aws:PrincipalTag/p': 'a*' } },
      expect: 'ImplicitDeny',
    },
    {
      name: 'a substituted value with * matches itself',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::b/${aws:PrincipalTag/p}'))] }),
      request: { resource: 'arn:aws:s3:::b/a*', context: { 'aws:PrincipalTag/p': 'a*' } },
      expect: 'Allow',
    },
    {
      name: '${aws:userid} with a colon, in the resource part',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::b/${aws:userid}/*'))] }),
      request: { resource: 'arn:aws:s3:::b/AROAEXAMPLE:alice/x', context: { 'aws:userid': 'AROAEXAMPLE:alice' } },
      expect: 'Allow',
    },
    {
      name: 'a multi-valued key is not a variable',
      policies: () => ({ identity: [identity(allow('s3:*', 'arn:aws:s3:::b/${aws:TagKeys}'))] }),
      request: { resource: 'arn:aws:s3:::b/a', context: { 'aws:TagKeys': ['a', 'b'] } },
      expect: 'ImplicitDeny',
    },
    {
      name: 'an unresolved variable in one resource leaves the others',
      policies: () => ({
        identity: [identity(allow('s3:*', ['arn:aws:s3:::b/${aws:username}', 'arn:aws:s3:::public/*']))],
      }),
      request: { resource: 'arn:aws:s3:::public/x', context: {} },
      expect: 'Allow',
    },
    {
      name: 'variable in NotResource',
      policies: () => ({
        identity: [
          identity(allow('s3:*'), {
            Effect: 'Deny',
            Action: 's3:*',
            NotResource: 'arn:aws:s3:::home/${aws:username}/*',
          }),
        ],
      }),
      request: { resource: 'arn:aws:s3:::home/bob/x', context: { 'aws:username': 'alice' } },
      expect: 'ExplicitDeny',
    },
    {
      name: 'variable in NotResource: own prefix spared',
      policies: () => ({
        identity: [
          identity(allow('s3:*'), {
            Effect: 'Deny',
            Action: 's3:*',
            NotResource: 'arn:aws:s3:::home/${aws:username}/*',
          }),
        ],
      }),
      request: { resource: 'arn:aws:s3:::home/alice/x', context: { 'aws:username': 'alice' } },
      expect: 'Allow',
    },
    // Fail closed: an Allow whose NotResource cannot be resolved must not grant every other resource.
    {
      name: 'Allow with an unresolved variable in NotResource applies to nothing',
      policies: () => ({
        identity: [identity({ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::home/${aws:username}/*' })],
      }),
      request: { resource: 'arn:aws:s3:::payroll/x', principal: roleSession(), context: {} },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Allow with NotResource: resolved, the other resources are allowed',
      policies: () => ({
        identity: [identity({ Effect: 'Allow', Action: 's3:*', NotResource: 'arn:aws:s3:::home/${aws:username}/*' })],
      }),
      request: { resource: 'arn:aws:s3:::payroll/x', context: { 'aws:username': 'alice' } },
      expect: 'Allow',
    },
    {
      name: 'Allow with NotResource: an unresolved pattern among others still withholds',
      policies: () => ({
        identity: [
          identity({
            Effect: 'Allow',
            Action: 's3:*',
            NotResource: ['arn:aws:s3:::secret/*', 'arn:aws:s3:::home/${aws:PrincipalTag/team}/*'],
          }),
        ],
      }),
      request: { resource: 'arn:aws:s3:::payroll/x', context: {} },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Deny with an unresolved variable in NotResource denies everything',
      policies: () => ({
        identity: [
          identity(allow('s3:*'), {
            Effect: 'Deny',
            Action: 's3:*',
            NotResource: 'arn:aws:s3:::home/${aws:username}/*',
          }),
        ],
      }),
      request: { resource: 'arn:aws:s3:::home/alice/x', principal: roleSession(), context: {} },
      expect: 'ExplicitDeny',
    },
    // The case of an ARN's service and region fields: not documented; real ARNs are lower case. The reading that grants less.
    {
      name: 'Allow: Resource with an upper-case service and region does not match',
      policies: () => ({ identity: [identity(allow('sqs:*', 'arn:aws:SQS:US-EAST-1:111122223333:q'))] }),
      request: { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:111122223333:q' },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Deny: Resource with an upper-case service and region matches',
      policies: () => ({ identity: [identity(allow('sqs:*'), deny('sqs:*', 'arn:aws:SQS:US-EAST-1:111122223333:q'))] }),
      request: { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:111122223333:q' },
      expect: 'ExplicitDeny',
    },
    {
      name: 'Deny: the rest of the ARN stays case-sensitive',
      policies: () => ({ identity: [identity(allow('sqs:*'), deny('sqs:*', 'arn:aws:SQS:US-EAST-1:111122223333:Q'))] }),
      request: { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:111122223333:q' },
      expect: 'Allow',
    },
    {
      name: 'Allow with NotResource: an upper-case service and region still excludes',
      policies: () => ({
        identity: [identity({ Effect: 'Allow', Action: 'sqs:*', NotResource: 'arn:aws:SQS:us-east-1:111122223333:*' })],
      }),
      request: { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:111122223333:q' },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Deny with NotResource: an upper-case service does not exclude',
      policies: () => ({
        identity: [
          identity(allow('sqs:*'), {
            Effect: 'Deny',
            Action: 'sqs:*',
            NotResource: 'arn:aws:SQS:us-east-1:111122223333:*',
          }),
        ],
      }),
      request: { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:111122223333:q' },
      expect: 'ExplicitDeny',
    },
    {
      name: 'Deny with ForAnyValue:...IfExists on a missing key applies',
      policies: () => ({
        identity: [
          identity(
            allow('s3:*'),
            deny('s3:*', '*', { Condition: { 'ForAnyValue:StringEqualsIfExists': { 'aws:TagKeys': ['env'] } } }),
          ),
        ],
      }),
      request: { context: {} },
      expect: 'ExplicitDeny',
    },
    {
      name: 'Deny with ArnLike of fewer than six fields applies',
      policies: () => ({
        identity: [
          identity(allow('s3:*'), deny('s3:*', '*', { Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:*' } } })),
        ],
      }),
      request: { context: { 'aws:SourceArn': 'arn:aws:sqs:us-east-1:111122223333:q' } },
      expect: 'ExplicitDeny',
    },
    {
      name: 'Deny with ArnNotLike of fewer than six fields applies',
      policies: () => ({
        identity: [
          identity(
            allow('s3:*'),
            deny('s3:*', '*', { Condition: { ArnNotLike: { 'aws:SourceArn': 'arn:aws:s3:*' } } }),
          ),
        ],
      }),
      request: { context: { 'aws:SourceArn': 'arn:aws:s3:::bucket' } },
      expect: 'ExplicitDeny',
    },
  ]);
  runConditionRows([
    {
      name: 'variable in StringLike value',
      condition: { StringLike: { 's3:prefix': ['${aws:username}/*', ''] } },
      context: { 's3:prefix': 'alice/docs', 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'variable in StringLike value: other user',
      condition: { StringLike: { 's3:prefix': '${aws:username}/*' } },
      context: { 's3:prefix': 'bob/docs', 'aws:username': 'alice' },
      expect: false,
    },
    {
      name: 'variable in StringEquals: resource tag owner is the caller',
      condition: { StringEquals: { 'aws:ResourceTag/owner': '${aws:username}' } },
      context: { 'aws:ResourceTag/owner': 'alice', 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'variable in StringEquals: principal tag equals request tag',
      condition: { StringEquals: { 'aws:RequestTag/project': '${aws:PrincipalTag/project}' } },
      context: { 'aws:RequestTag/project': 'x', 'aws:PrincipalTag/project': 'x' },
      expect: true,
    },
    {
      name: 'unresolved variable in StringEquals never matches',
      condition: { StringEquals: { 'aws:ResourceTag/owner': '${aws:username}' } },
      context: { 'aws:ResourceTag/owner': 'alice' },
      expect: false,
    },
    {
      name: 'unresolved variable: the other values still match',
      condition: { StringEquals: { 'aws:ResourceTag/owner': ['${aws:username}', 'admin'] } },
      context: { 'aws:ResourceTag/owner': 'admin' },
      expect: true,
    },
    {
      name: 'unresolved variable in a negated operator: an Allow does not apply (UNCONFIRMED, fails closed)',
      condition: { StringNotEquals: { 'aws:ResourceTag/owner': '${aws:username}' } },
      context: { 'aws:ResourceTag/owner': 'alice' },
      expect: false,
    },
    {
      name: 'variable default in a condition value',
      condition: { StringEquals: { 'aws:ResourceTag/team': "${aws:PrincipalTag/team, 'none'}" } },
      context: { 'aws:ResourceTag/team': 'none' },
      expect: true,
    },
    {
      name: 'variable in ArnLike',
      condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:s3:::${aws:username}-*' } },
      context: { 'aws:SourceArn': 'arn:aws:s3:::alice-logs', 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'variable in StringEqualsIgnoreCase',
      condition: { StringEqualsIgnoreCase: { 'ex:Owner': '${aws:username}' } },
      context: { 'ex:Owner': 'ALICE', 'aws:username': 'alice' },
      expect: true,
    },
    {
      name: 'variables are not substituted in Numeric values',
      condition: { NumericEquals: { 'ex:N': '${ex:M}' } },
      context: { 'ex:N': 1, 'ex:M': 1 },
      expect: false,
    },
    {
      name: '${*} in StringLike is a literal star',
      condition: { StringLike: { 'ex:Name': 'a${*}' } },
      context: { 'ex:Name': 'abc' },
      expect: false,
    },
    {
      name: '${*} in StringLike matches a literal star',
      condition: { StringLike: { 'ex:Name': 'a${*}' } },
      context: { 'ex:Name': 'a*' },
      expect: true,
    },
    {
      name: '${*} in StringEquals is a literal star',
      condition: { StringEquals: { 'ex:Name': 'a${*}' } },
      context: { 'ex:Name': 'a*' },
      expect: true,
    },
    {
      name: '${$} in StringEqualsIgnoreCase is a literal dollar',
      condition: { StringEqualsIgnoreCase: { 'ex:Name': 'A${$}' } },
      context: { 'ex:Name': 'a$' },
      expect: true,
    },
    {
      name: 'Version 2008-10-17: condition variables are literal',
      condition: { StringEquals: { 'ex:Owner': '${aws:username}' } },
      context: { 'ex:Owner': '${aws:username}', 'aws:username': 'alice' },
      expect: true,
      version: '2008-10-17',
    },
  ]);
});

// ---------------------------------------------------------------------------------------------------------
// AWS's well-known policies

describe('MFA, token revocation, secure transport', () => {
  const denyWithoutMfaIfExists = () =>
    identity(allow('*'), {
      Effect: 'Deny',
      NotAction: ['iam:ChangePassword', 'sts:GetSessionToken'],
      Resource: '*',
      Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
    });
  const denyWithoutMfaBool = () =>
    identity(allow('*'), {
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'false' } },
    });
  const revoke = () =>
    identity(allow('*'), {
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { DateLessThan: { 'aws:TokenIssueTime': T0 } },
    });
  runRows([
    {
      name: 'BoolIfExists MFA false: MFA session allowed',
      policies: () => ({ identity: [denyWithoutMfaIfExists()] }),
      request: { context: { 'aws:MultiFactorAuthPresent': true } },
      expect: 'Allow',
    },
    {
      name: 'BoolIfExists MFA false: session without MFA denied',
      policies: () => ({ identity: [denyWithoutMfaIfExists()] }),
      request: { context: { 'aws:MultiFactorAuthPresent': false } },
      expect: 'ExplicitDeny',
    },
    {
      name: 'BoolIfExists MFA false: long-term keys (key absent) denied',
      policies: () => ({ identity: [denyWithoutMfaIfExists()] }),
      request: { context: {} },
      expect: 'ExplicitDeny',
    },
    {
      name: 'BoolIfExists MFA false: the excepted action stays allowed',
      policies: () => ({ identity: [denyWithoutMfaIfExists()] }),
      request: { action: 'sts:GetSessionToken', resource: '*', context: {} },
      expect: 'Allow',
    },
    {
      name: 'Bool MFA false: long-term keys (key absent) are NOT denied',
      policies: () => ({ identity: [denyWithoutMfaBool()] }),
      request: { context: {} },
      expect: 'Allow',
    },
    {
      name: 'Bool MFA false: session without MFA denied',
      policies: () => ({ identity: [denyWithoutMfaBool()] }),
      request: { context: { 'aws:MultiFactorAuthPresent': false } },
      expect: 'ExplicitDeny',
    },
    {
      name: 'Bool MFA false: MFA session allowed',
      policies: () => ({ identity: [denyWithoutMfaBool()] }),
      request: { context: { 'aws:MultiFactorAuthPresent': true } },
      expect: 'Allow',
    },
    {
      name: 'Allow only with Bool MFA true: long-term keys denied',
      policies: () => ({
        identity: [identity(allow('*', '*', { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }))],
      }),
      request: { context: {} },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Allow only with MFA younger than an hour',
      policies: () => ({
        identity: [identity(allow('*', '*', { Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } } }))],
      }),
      request: { context: { 'aws:MultiFactorAuthPresent': true, 'aws:MultiFactorAuthAge': 10 } },
      expect: 'Allow',
    },
    {
      name: 'revoke older sessions: token issued before the cut-off is denied',
      policies: () => ({ identity: [revoke()] }),
      request: { context: { 'aws:TokenIssueTime': new Date('2024-05-01T11:00:00Z') } },
      expect: 'ExplicitDeny',
    },
    {
      name: 'revoke older sessions: token issued after the cut-off is allowed',
      policies: () => ({ identity: [revoke()] }),
      request: { context: { 'aws:TokenIssueTime': new Date('2024-05-01T12:30:00Z') } },
      expect: 'Allow',
    },
    {
      name: 'revoke older sessions: token issued at the cut-off is allowed',
      policies: () => ({ identity: [revoke()] }),
      request: { context: { 'aws:TokenIssueTime': T0 } },
      expect: 'Allow',
    },
    {
      name: 'revoke older sessions: long-term keys are not affected',
      policies: () => ({ identity: [revoke()] }),
      request: { context: {} },
      expect: 'Allow',
    },
    {
      name: 'deny insecure transport',
      policies: () => ({
        identity: [identity(allow('*'), deny('*', '*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } }))],
      }),
      request: { context: { 'aws:SecureTransport': false } },
      expect: 'ExplicitDeny',
    },
    {
      name: 'deny outside the office network',
      policies: () => ({
        identity: [
          identity(
            allow('*'),
            deny('*', '*', { Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] } } }),
          ),
        ],
      }),
      request: { context: { 'aws:SourceIp': '198.51.100.1' } },
      expect: 'ExplicitDeny',
    },
    {
      name: 'allow inside the office network',
      policies: () => ({
        identity: [
          identity(
            allow('*'),
            deny('*', '*', { Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] } } }),
          ),
        ],
      }),
      request: { context: { 'aws:SourceIp': '203.0.113.1' } },
      expect: 'Allow',
    },
    {
      name: 'time window: allowed before the end',
      policies: () => ({
        identity: [
          identity(
            allow('*', '*', {
              Condition: {
                DateGreaterThan: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' },
                DateLessThan: { 'aws:CurrentTime': '2024-12-31T23:59:59Z' },
              },
            }),
          ),
        ],
      }),
      request: { context: { 'aws:CurrentTime': new Date(T0) } },
      expect: 'Allow',
    },
    {
      name: 'time window: denied after the end',
      policies: () => ({
        identity: [
          identity(
            allow('*', '*', {
              Condition: {
                DateGreaterThan: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' },
                DateLessThan: { 'aws:CurrentTime': '2024-12-31T23:59:59Z' },
              },
            }),
          ),
        ],
      }),
      request: { context: { 'aws:CurrentTime': new Date('2025-01-01T00:00:00Z') } },
      expect: 'ImplicitDeny',
    },
  ]);
});

// ---------------------------------------------------------------------------------------------------------
// Session policies, permissions boundaries, resource-based policies

describe('session policies and permissions boundaries', () => {
  const s3All = () => identity(allow('s3:*'));
  runRows([
    {
      name: 'session policy allows too: Allow',
      policies: () => ({ identity: [s3All()], session: [session(allow('s3:GetObject'))] }),
      request: { principal: roleSession() },
      expect: 'Allow',
    },
    {
      name: 'session policy does not allow: ImplicitDeny',
      policies: () => ({ identity: [s3All()], session: [session(allow('s3:PutObject'))] }),
      request: { principal: roleSession() },
      expect: 'ImplicitDeny',
      reason: /session policy/,
    },
    {
      name: 'session policy allows but identity does not: ImplicitDeny',
      policies: () => ({ identity: [identity(allow('ec2:*'))], session: [session(allow('s3:*'))] }),
      request: { principal: roleSession() },
      expect: 'ImplicitDeny',
    },
    {
      name: 'session policy with a deny: ExplicitDeny',
      policies: () => ({ identity: [s3All()], session: [session(allow('*'), deny('s3:GetObject'))] }),
      request: { principal: roleSession() },
      expect: 'ExplicitDeny',
      matched: ['identity:0:0', 'session:0:0', 'session:0:1'],
    },
    {
      name: 'several session policies: any one allowing suffices',
      policies: () => ({ identity: [s3All()], session: [session(allow('ec2:*')), session(allow('s3:Get*'))] }),
      request: { principal: roleSession() },
      expect: 'Allow',
    },
    {
      name: 'an empty session list is no session policy',
      policies: () => ({ identity: [s3All()], session: [] }),
      request: { principal: roleSession() },
      expect: 'Allow',
    },
    {
      name: 'session policy conditions are evaluated',
      policies: () => ({
        identity: [s3All()],
        session: [session(allow('s3:*', '*', { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }))],
      }),
      request: { principal: roleSession(), context: { 'aws:SourceIp': '192.0.2.1' } },
      expect: 'ImplicitDeny',
    },
    {
      name: 'boundary allows too: Allow',
      policies: () => ({ identity: [s3All()], permissionsBoundary: [identity(allow(['s3:*', 'ec2:*']))] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'boundary does not allow: ImplicitDeny',
      policies: () => ({ identity: [s3All()], permissionsBoundary: [identity(allow('ec2:*'))] }),
      request: {},
      expect: 'ImplicitDeny',
      reason: /boundary/,
    },
    {
      name: 'boundary allows but identity does not: ImplicitDeny',
      policies: () => ({ identity: [identity(allow('ec2:*'))], permissionsBoundary: [identity(allow('*'))] }),
      request: {},
      expect: 'ImplicitDeny',
    },
    {
      name: 'boundary with a deny: ExplicitDeny',
      policies: () => ({ identity: [s3All()], permissionsBoundary: [identity(allow('*'), deny('s3:*'))] }),
      request: {},
      expect: 'ExplicitDeny',
    },
    {
      name: 'boundary and session policy both allow: Allow',
      policies: () => ({
        identity: [s3All()],
        session: [session(allow('s3:*'))],
        permissionsBoundary: [identity(allow('s3:*'))],
      }),
      request: { principal: roleSession() },
      expect: 'Allow',
    },
    {
      name: 'boundary allows, session policy does not: ImplicitDeny',
      policies: () => ({
        identity: [s3All()],
        session: [session(allow('ec2:*'))],
        permissionsBoundary: [identity(allow('s3:*'))],
      }),
      request: { principal: roleSession() },
      expect: 'ImplicitDeny',
    },
    {
      name: 'session allows, boundary does not: ImplicitDeny',
      policies: () => ({
        identity: [s3All()],
        session: [session(allow('s3:*'))],
        permissionsBoundary: [identity(allow('ec2:*'))],
      }),
      request: { principal: roleSession() },
      expect: 'ImplicitDeny',
    },
    {
      name: 'an empty boundary list is no boundary',
      policies: () => ({ identity: [s3All()], permissionsBoundary: [] }),
      request: {},
      expect: 'Allow',
    },
  ]);
});

describe('resource-based policies', () => {
  const bucketPolicy = (principal: unknown, effect = 'Allow') =>
    resourcePolicy({ Effect: effect, Principal: principal, Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' });
  runRows([
    {
      name: 'names the user directly, no identity policy: Allow',
      policies: () => ({ resource: [bucketPolicy({ AWS: user().arn })] }),
      request: {},
      expect: 'Allow',
      matched: ['resource:0:0'],
    },
    {
      name: 'names another user: ImplicitDeny',
      policies: () => ({ resource: [bucketPolicy({ AWS: user('bob').arn })] }),
      request: {},
      expect: 'ImplicitDeny',
    },
    {
      name: 'names only the account, no identity policy: ImplicitDeny',
      policies: () => ({ resource: [bucketPolicy({ AWS: `arn:aws:iam::${ACCT}:root` })] }),
      request: {},
      expect: 'ImplicitDeny',
    },
    {
      name: 'names only the account, identity policy allows: Allow',
      policies: () => ({ resource: [bucketPolicy({ AWS: ACCT })], identity: [identity(allow('s3:GetObject'))] }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'names the user directly: a boundary does not limit it',
      policies: () => ({
        resource: [bucketPolicy({ AWS: user().arn })],
        permissionsBoundary: [identity(allow('ec2:*'))],
      }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'names the session directly: the session policy does not limit it',
      policies: () => ({ resource: [bucketPolicy({ AWS: roleSession().arn })], session: [session(allow('ec2:*'))] }),
      request: { principal: roleSession() },
      expect: 'Allow',
    },
    {
      name: 'names the role: the session policy limits it',
      policies: () => ({
        resource: [bucketPolicy({ AWS: roleSession().roleArn })],
        session: [session(allow('ec2:*'))],
      }),
      request: { principal: roleSession() },
      expect: 'ImplicitDeny',
    },
    {
      name: 'names the role, no session policy: Allow',
      policies: () => ({ resource: [bucketPolicy({ AWS: roleSession().roleArn })] }),
      request: { principal: roleSession() },
      expect: 'Allow',
    },
    {
      name: 'names the role: a boundary limits it',
      policies: () => ({
        resource: [bucketPolicy({ AWS: roleSession().roleArn })],
        permissionsBoundary: [identity(allow('ec2:*'))],
      }),
      request: { principal: roleSession() },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Principal * allows anyone, anonymous included',
      policies: () => ({ resource: [bucketPolicy('*')] }),
      request: { principal: anonymous },
      expect: 'Allow',
    },
    {
      name: 'Principal {AWS: *} allows anyone',
      policies: () => ({ resource: [bucketPolicy({ AWS: '*' })] }),
      request: { principal: user('zed', OTHER) },
      expect: 'Allow',
    },
    // Fail closed: "*" names no one specifically, so it grants a session or a bounded user no more than its role would.
    {
      name: 'Principal * does not bypass a session policy',
      policies: () => ({ resource: [bucketPolicy('*')], session: [session(allow('ec2:*'))] }),
      request: { principal: roleSession() },
      expect: 'ImplicitDeny',
      reason: /session policy/,
    },
    {
      name: 'Principal {AWS: *} does not bypass a session policy',
      policies: () => ({ resource: [bucketPolicy({ AWS: '*' })], session: [session(allow('ec2:*'))] }),
      request: { principal: roleSession() },
      expect: 'ImplicitDeny',
    },
    {
      name: "Principal * does not bypass a federated user's session policy",
      policies: () => ({ resource: [bucketPolicy('*')], session: [session(allow('ec2:*'))] }),
      request: { principal: federatedUser() },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Principal * does not bypass a permissions boundary',
      policies: () => ({ resource: [bucketPolicy('*')], permissionsBoundary: [identity(allow('ec2:*'))] }),
      request: {},
      expect: 'ImplicitDeny',
    },
    {
      name: 'Principal *, the session policy allows: Allow',
      policies: () => ({ resource: [bucketPolicy('*')], session: [session(allow('s3:GetObject'))] }),
      request: { principal: roleSession() },
      expect: 'Allow',
    },
    {
      name: 'Allow with NotPrincipal does not bypass a session policy',
      policies: () => ({
        resource: [
          resourcePolicy({
            Effect: 'Allow',
            NotPrincipal: { AWS: user('bob').arn },
            Action: 's3:GetObject',
            Resource: '*',
          }),
        ],
        session: [session(allow('ec2:*'))],
      }),
      request: { principal: roleSession() },
      expect: 'ImplicitDeny',
    },
    {
      name: 'anonymous caller is not in an account principal',
      policies: () => ({ resource: [bucketPolicy({ AWS: ACCT })] }),
      request: { principal: anonymous },
      expect: 'ImplicitDeny',
    },
    {
      name: 'resource policy deny beats identity allow',
      policies: () => ({ resource: [bucketPolicy({ AWS: ACCT }, 'Deny')], identity: [identity(allow('s3:*'))] }),
      request: {},
      expect: 'ExplicitDeny',
    },
    {
      name: 'resource policy deny for someone else does not apply',
      policies: () => ({
        resource: [bucketPolicy({ AWS: user('bob').arn }, 'Deny')],
        identity: [identity(allow('s3:*'))],
      }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'NotPrincipal deny exempts the listed user (with its account)',
      policies: () => ({
        resource: [
          resourcePolicy({ Effect: 'Deny', NotPrincipal: { AWS: [user().arn, ACCT] }, Action: 's3:*', Resource: '*' }),
        ],
        identity: [identity(allow('s3:*'))],
      }),
      request: {},
      expect: 'Allow',
    },
    {
      name: 'NotPrincipal deny applies to everyone else',
      policies: () => ({
        resource: [
          resourcePolicy({ Effect: 'Deny', NotPrincipal: { AWS: [user().arn, ACCT] }, Action: 's3:*', Resource: '*' }),
        ],
        identity: [identity(allow('s3:*'))],
      }),
      request: { principal: user('bob') },
      expect: 'ExplicitDeny',
    },
    {
      name: 'NotPrincipal deny naming the user without its account still denies it (UNCONFIRMED)',
      policies: () => ({
        resource: [
          resourcePolicy({ Effect: 'Deny', NotPrincipal: { AWS: user().arn }, Action: 's3:*', Resource: '*' }),
        ],
        identity: [identity(allow('s3:*'))],
      }),
      request: {},
      expect: 'ExplicitDeny',
    },
    {
      name: 'NotPrincipal deny exempts a session listed with role and account (UNCONFIRMED)',
      policies: () => ({
        resource: [
          resourcePolicy({
            Effect: 'Deny',
            NotPrincipal: { AWS: [roleSession().arn, roleSession().roleArn, ACCT] },
            Action: 's3:*',
            Resource: '*',
          }),
        ],
        identity: [identity(allow('s3:*'))],
      }),
      request: { principal: roleSession() },
      expect: 'Allow',
    },
    {
      name: 'NotPrincipal deny with only the role listed still denies its sessions (UNCONFIRMED)',
      policies: () => ({
        resource: [
          resourcePolicy({
            Effect: 'Deny',
            NotPrincipal: { AWS: [roleSession().roleArn, ACCT] },
            Action: 's3:*',
            Resource: '*',
          }),
        ],
        identity: [identity(allow('s3:*'))],
      }),
      request: { principal: roleSession() },
      expect: 'ExplicitDeny',
    },
    {
      name: 'NotPrincipal deny listing the account exempts root',
      policies: () => ({
        resource: [
          resourcePolicy({
            Effect: 'Deny',
            NotPrincipal: { AWS: `arn:aws:iam::${ACCT}:root` },
            Action: 's3:*',
            Resource: '*',
          }),
        ],
        identity: [identity(allow('s3:*'))],
      }),
      request: { principal: rootOf() },
      expect: 'Allow',
    },
    {
      name: 'service principal in a resource policy',
      policies: () => ({
        resource: [
          resourcePolicy({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: 'arn:aws:s3:::logs/*',
          }),
        ],
      }),
      request: {
        principal: service('logging.s3.amazonaws.com'),
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::logs/x',
      },
      expect: 'Allow',
    },
    {
      name: 'federated-user principal in a resource policy',
      policies: () => ({ resource: [bucketPolicy({ AWS: federatedUser().arn })] }),
      request: { principal: federatedUser() },
      expect: 'Allow',
    },
    {
      name: 'CanonicalUser principal',
      policies: () => ({ resource: [bucketPolicy({ CanonicalUser: 'abc123' })] }),
      request: { principal: { ...user(), canonicalUser: 'abc123' } },
      expect: 'Allow',
    },
    {
      name: 'cross-account: resource names the user but identity does not allow: ImplicitDeny',
      policies: () => ({
        resource: [
          resourcePolicy({
            Effect: 'Allow',
            Principal: { AWS: user('zed', OTHER).arn },
            Action: 'sqs:SendMessage',
            Resource: '*',
          }),
        ],
      }),
      request: {
        principal: user('zed', OTHER),
        action: 'sqs:SendMessage',
        resource: `arn:aws:sqs:us-east-1:${ACCT}:q`,
      },
      expect: 'ImplicitDeny',
      reason: /cross-account/,
    },
    {
      name: 'cross-account: resource and identity both allow: Allow',
      policies: () => ({
        resource: [
          resourcePolicy({ Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'sqs:SendMessage', Resource: '*' }),
        ],
        identity: [identity(allow('sqs:*'))],
      }),
      request: {
        principal: user('zed', OTHER),
        action: 'sqs:SendMessage',
        resource: `arn:aws:sqs:us-east-1:${ACCT}:q`,
      },
      expect: 'Allow',
    },
    {
      name: 'cross-account: identity alone is not enough',
      policies: () => ({ identity: [identity(allow('sqs:*'))] }),
      request: {
        principal: user('zed', OTHER),
        action: 'sqs:SendMessage',
        resource: `arn:aws:sqs:us-east-1:${ACCT}:q`,
      },
      expect: 'ImplicitDeny',
    },
    {
      name: 'cross-account detected through resourceAccount',
      policies: () => ({ identity: [identity(allow('s3:*'))] }),
      request: { resourceAccount: OTHER },
      expect: 'ImplicitDeny',
    },
    {
      name: 'S3 ARNs carry no account: same-account rules',
      policies: () => ({ identity: [identity(allow('s3:*'))] }),
      request: { principal: user('zed', OTHER) },
      expect: 'Allow',
    },
  ]);
});

// ---------------------------------------------------------------------------------------------------------
// Trust policies: sts:AssumeRole*

describe('trust policies (sts:AssumeRole*)', () => {
  const assume = (
    principal: CallerPrincipal,
    context?: Record<string, ContextValue>,
  ): Partial<AuthorizationRequest> => ({
    action: 'sts:AssumeRole',
    resource: ROLE,
    principal,
    ...(context ? { context } : {}),
  });
  const idAssume = () => identity(allow('sts:AssumeRole', ROLE));
  runRows([
    {
      name: 'account root principal, no identity policy: ImplicitDeny',
      policies: () => ({ resource: [trust(trustAllow({ AWS: `arn:aws:iam::${ACCT}:root` }))] }),
      request: assume(user()),
      expect: 'ImplicitDeny',
      reason: /names only the account/,
    },
    {
      name: 'account root principal, identity allows: Allow',
      policies: () => ({ resource: [trust(trustAllow({ AWS: `arn:aws:iam::${ACCT}:root` }))], identity: [idAssume()] }),
      request: assume(user()),
      expect: 'Allow',
    },
    {
      name: 'bare account principal, no identity policy: ImplicitDeny',
      policies: () => ({ resource: [trust(trustAllow({ AWS: ACCT }))] }),
      request: assume(user()),
      expect: 'ImplicitDeny',
    },
    {
      name: 'bare account principal, identity allows: Allow',
      policies: () => ({ resource: [trust(trustAllow({ AWS: ACCT }))], identity: [idAssume()] }),
      request: assume(user()),
      expect: 'Allow',
    },
    {
      name: 'account principal, identity allows another role: ImplicitDeny',
      policies: () => ({
        resource: [trust(trustAllow({ AWS: ACCT }))],
        identity: [identity(allow('sts:AssumeRole', `arn:aws:iam::${ACCT}:role/Other`))],
      }),
      request: assume(user()),
      expect: 'ImplicitDeny',
    },
    {
      name: 'account principal of another account: ImplicitDeny',
      policies: () => ({ resource: [trust(trustAllow({ AWS: OTHER }))], identity: [idAssume()] }),
      request: assume(user()),
      expect: 'ImplicitDeny',
      reason: /trust policy does not allow/,
    },
    {
      name: 'user principal, no identity policy: Allow',
      policies: () => ({ resource: [trust(trustAllow({ AWS: user().arn }))] }),
      request: assume(user()),
      expect: 'Allow',
    },
    {
      name: 'user principal, another user: ImplicitDeny',
      policies: () => ({ resource: [trust(trustAllow({ AWS: user().arn }))], identity: [idAssume()] }),
      request: assume(user('bob')),
      expect: 'ImplicitDeny',
    },
    {
      name: 'user principal with a path',
      policies: () => ({ resource: [trust(trustAllow({ AWS: `arn:aws:iam::${ACCT}:user/ops/alice` }))] }),
      request: assume(user('alice', ACCT, '/ops/')),
      expect: 'Allow',
    },
    {
      name: 'principal list: one entry matches',
      policies: () => ({ resource: [trust(trustAllow({ AWS: [user('bob').arn, user().arn] }))] }),
      request: assume(user()),
      expect: 'Allow',
    },
    {
      name: 'role principal: a session of that role (role chaining): Allow',
      policies: () => ({ resource: [trust(trustAllow({ AWS: `arn:aws:iam::${ACCT}:role/Dev` }))] }),
      request: assume(roleSession('Dev')),
      expect: 'Allow',
    },
    {
      name: 'role principal: a session of another role: ImplicitDeny',
      policies: () => ({ resource: [trust(trustAllow({ AWS: `arn:aws:iam::${ACCT}:role/Dev` }))] }),
      request: assume(roleSession('Ops')),
      expect: 'ImplicitDeny',
    },
    {
      name: 'role principal with a path matches the role session',
      policies: () => ({ resource: [trust(trustAllow({ AWS: `arn:aws:iam::${ACCT}:role/team/Dev` }))] }),
      request: assume(roleSession('Dev', 's', ACCT, '/team/')),
      expect: 'Allow',
    },
    {
      name: 'role principal without the path does not match a role with a path',
      policies: () => ({ resource: [trust(trustAllow({ AWS: `arn:aws:iam::${ACCT}:role/Dev` }))] }),
      request: assume(roleSession('Dev', 's', ACCT, '/team/')),
      expect: 'ImplicitDeny',
    },
    {
      name: 'role principal does not match an IAM user',
      policies: () => ({ resource: [trust(trustAllow({ AWS: `arn:aws:iam::${ACCT}:role/alice` }))] }),
      request: assume(user('alice')),
      expect: 'ImplicitDeny',
    },
    {
      name: 'assumed-role session principal: that session',
      policies: () => ({ resource: [trust(trustAllow({ AWS: roleSession('Dev', 'build').arn }))] }),
      request: assume(roleSession('Dev', 'build')),
      expect: 'Allow',
    },
    {
      name: 'assumed-role session principal: another session of the role',
      policies: () => ({ resource: [trust(trustAllow({ AWS: roleSession('Dev', 'build').arn }))] }),
      request: assume(roleSession('Dev', 'other')),
      expect: 'ImplicitDeny',
    },
    {
      name: 'Principal "*": any AWS caller',
      policies: () => ({ resource: [trust(trustAllow('*'))] }),
      request: assume(user('zed')),
      expect: 'Allow',
    },
    {
      name: 'Principal {AWS: "*"}: any AWS caller',
      policies: () => ({ resource: [trust(trustAllow({ AWS: '*' }))] }),
      request: assume(roleSession()),
      expect: 'Allow',
    },
    {
      name: 'role chaining: Principal * in the trust policy does not bypass the session policy',
      policies: () => ({
        resource: [trust(trustAllow({ AWS: '*' }))],
        identity: [idAssume()],
        session: [session(allow('s3:*'))],
      }),
      request: assume(roleSession()),
      expect: 'ImplicitDeny',
      reason: /session policy/,
    },
    {
      name: 'role chaining: Principal * and a session policy that allows sts:AssumeRole',
      policies: () => ({ resource: [trust(trustAllow('*'))], session: [session(allow('sts:AssumeRole'))] }),
      request: assume(roleSession()),
      expect: 'Allow',
    },
    {
      name: 'Service principal: that service',
      policies: () => ({ resource: [trust(trustAllow({ Service: 'ec2.amazonaws.com' }))] }),
      request: assume(service('ec2.amazonaws.com')),
      expect: 'Allow',
    },
    {
      name: 'Service principal list',
      policies: () => ({ resource: [trust(trustAllow({ Service: ['lambda.amazonaws.com', 'ec2.amazonaws.com'] }))] }),
      request: assume(service('lambda.amazonaws.com')),
      expect: 'Allow',
    },
    {
      name: 'Service principal: another service',
      policies: () => ({ resource: [trust(trustAllow({ Service: 'ec2.amazonaws.com' }))] }),
      request: assume(service('lambda.amazonaws.com')),
      expect: 'ImplicitDeny',
    },
    {
      name: 'Service principal: not an IAM user',
      policies: () => ({ resource: [trust(trustAllow({ Service: 'ec2.amazonaws.com' }))], identity: [idAssume()] }),
      request: assume(user()),
      expect: 'ImplicitDeny',
    },
    {
      name: 'Federated OIDC: matching provider and claims',
      policies: () => ({
        resource: [
          trust(
            trustAllow(
              { Federated: GITHUB },
              {
                Condition: {
                  StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
                  StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*' },
                },
              },
              'sts:AssumeRoleWithWebIdentity',
            ),
          ),
        ],
      }),
      request: {
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: ROLE,
        principal: webIdentity(GITHUB),
        context: {
          'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          'token.actions.githubusercontent.com:sub': 'repo:octo-org/app:ref:refs/heads/main',
        },
      },
      expect: 'Allow',
    },
    {
      name: 'Federated OIDC: wrong repository',
      policies: () => ({
        resource: [
          trust(
            trustAllow(
              { Federated: GITHUB },
              { Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*' } } },
              'sts:AssumeRoleWithWebIdentity',
            ),
          ),
        ],
      }),
      request: {
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: ROLE,
        principal: webIdentity(GITHUB),
        context: { 'token.actions.githubusercontent.com:sub': 'repo:evil/app:ref:refs/heads/main' },
      },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Federated OIDC: another provider',
      policies: () => ({ resource: [trust(trustAllow({ Federated: GITHUB }, {}, 'sts:AssumeRoleWithWebIdentity'))] }),
      request: {
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: ROLE,
        principal: webIdentity(`arn:aws:iam::${ACCT}:oidc-provider/gitlab.com`),
      },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Federated OIDC: the statement only allows AssumeRole, not WithWebIdentity',
      policies: () => ({ resource: [trust(trustAllow({ Federated: GITHUB }))] }),
      request: { action: 'sts:AssumeRoleWithWebIdentity', resource: ROLE, principal: webIdentity(GITHUB) },
      expect: 'ImplicitDeny',
    },
    {
      name: 'Federated cognito-identity.amazonaws.com',
      policies: () => ({
        resource: [
          trust(
            trustAllow(
              { Federated: 'cognito-identity.amazonaws.com' },
              { Condition: { StringEquals: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool' } } },
              'sts:AssumeRoleWithWebIdentity',
            ),
          ),
        ],
      }),
      request: {
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: ROLE,
        principal: webIdentity('cognito-identity.amazonaws.com'),
        context: { 'cognito-identity.amazonaws.com:aud': 'us-east-1:pool' },
      },
      expect: 'Allow',
    },
    {
      name: 'Federated SAML provider with SAML:aud',
      policies: () => ({
        resource: [
          trust(
            trustAllow(
              { Federated: SAML_IDP },
              { Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } } },
              'sts:AssumeRoleWithSAML',
            ),
          ),
        ],
      }),
      request: {
        action: 'sts:AssumeRoleWithSAML',
        resource: ROLE,
        principal: saml(SAML_IDP),
        context: { 'saml:aud': 'https://signin.aws.amazon.com/saml' },
      },
      expect: 'Allow',
    },
    {
      name: 'Federated principal does not match an IAM user',
      policies: () => ({ resource: [trust(trustAllow({ Federated: SAML_IDP }))], identity: [idAssume()] }),
      request: assume(user()),
      expect: 'ImplicitDeny',
    },
    {
      name: 'account principal does not match a web-identity caller',
      policies: () => ({ resource: [trust(trustAllow({ AWS: ACCT }, {}, 'sts:AssumeRoleWithWebIdentity'))] }),
      request: { action: 'sts:AssumeRoleWithWebIdentity', resource: ROLE, principal: webIdentity(GITHUB) },
      expect: 'ImplicitDeny',
    },
    {
      name: 'no trust policy: identity alone never assumes a role',
      policies: () => ({ identity: [idAssume()] }),
      request: assume(user()),
      expect: 'ImplicitDeny',
      reason: /no trust policy/,
    },
    {
      name: 'identity policy denies sts:AssumeRole: ExplicitDeny',
      policies: () => ({
        resource: [trust(trustAllow({ AWS: user().arn }))],
        identity: [identity(deny('sts:AssumeRole'))],
      }),
      request: assume(user()),
      expect: 'ExplicitDeny',
    },
    {
      name: 'trust policy Deny for the caller: ExplicitDeny',
      policies: () => ({
        resource: [
          trust(trustAllow({ AWS: ACCT }), {
            Effect: 'Deny',
            Principal: { AWS: user().arn },
            Action: 'sts:AssumeRole',
          }),
        ],
        identity: [idAssume()],
      }),
      request: assume(user()),
      expect: 'ExplicitDeny',
      matched: ['identity:0:0', 'resource:0:0', 'resource:0:1'],
    },
    {
      name: 'sts:ExternalId matches: Allow',
      policies: () => ({
        resource: [
          trust(trustAllow({ AWS: user().arn }, { Condition: { StringEquals: { 'sts:ExternalId': 'Unique-42' } } })),
        ],
      }),
      request: assume(user(), { 'sts:ExternalId': 'Unique-42' }),
      expect: 'Allow',
    },
    {
      name: 'sts:ExternalId differs: ImplicitDeny',
      policies: () => ({
        resource: [
          trust(trustAllow({ AWS: user().arn }, { Condition: { StringEquals: { 'sts:ExternalId': 'Unique-42' } } })),
        ],
      }),
      request: assume(user(), { 'sts:ExternalId': 'unique-42' }),
      expect: 'ImplicitDeny',
    },
    {
      name: 'sts:ExternalId missing: ImplicitDeny',
      policies: () => ({
        resource: [
          trust(trustAllow({ AWS: user().arn }, { Condition: { StringEquals: { 'sts:ExternalId': 'Unique-42' } } })),
        ],
      }),
      request: assume(user(), {}),
      expect: 'ImplicitDeny',
    },
    {
      name: 'trust requires MFA: caller with MFA',
      policies: () => ({
        resource: [
          trust(trustAllow({ AWS: user().arn }, { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })),
        ],
      }),
      request: assume(user(), { 'aws:MultiFactorAuthPresent': true }),
      expect: 'Allow',
    },
    {
      name: 'trust requires MFA: long-term keys',
      policies: () => ({
        resource: [
          trust(trustAllow({ AWS: user().arn }, { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } })),
        ],
      }),
      request: assume(user(), {}),
      expect: 'ImplicitDeny',
    },
    {
      name: 'trust with sts:RoleSessionName pattern',
      policies: () => ({
        resource: [
          trust(trustAllow({ AWS: ACCT }, { Condition: { StringLike: { 'sts:RoleSessionName': '${aws:username}' } } })),
        ],
        identity: [idAssume()],
      }),
      request: assume(user(), { 'sts:RoleSessionName': 'alice', 'aws:username': 'alice' }),
      expect: 'Allow',
    },
    {
      name: 'trust with sts:SourceIdentity required',
      policies: () => ({
        resource: [trust(trustAllow({ AWS: user().arn }, { Condition: { Null: { 'sts:SourceIdentity': 'false' } } }))],
      }),
      request: assume(user(), {}),
      expect: 'ImplicitDeny',
    },
    {
      name: 'trust action wildcard sts:AssumeRole*',
      policies: () => ({ resource: [trust(trustAllow({ AWS: user().arn }, {}, 'sts:AssumeRole*'))] }),
      request: assume(user()),
      expect: 'Allow',
    },
    {
      name: 'trust action is case-insensitive',
      policies: () => ({ resource: [trust(trustAllow({ AWS: user().arn }, {}, 'STS:assumerole'))] }),
      request: assume(user()),
      expect: 'Allow',
    },
    {
      name: 'cross-account: trust names the account, identity allows: Allow',
      policies: () => ({ resource: [trust(trustAllow({ AWS: OTHER }))], identity: [idAssume()] }),
      request: assume(user('zed', OTHER)),
      expect: 'Allow',
    },
    {
      name: 'cross-account: trust names the account, no identity policy: ImplicitDeny',
      policies: () => ({ resource: [trust(trustAllow({ AWS: OTHER }))] }),
      request: assume(user('zed', OTHER)),
      expect: 'ImplicitDeny',
    },
    {
      name: 'cross-account: trust names the user, no identity policy: ImplicitDeny',
      policies: () => ({ resource: [trust(trustAllow({ AWS: user('zed', OTHER).arn }))] }),
      request: assume(user('zed', OTHER)),
      expect: 'ImplicitDeny',
    },
    {
      name: 'cross-account: trust names the user, identity allows: Allow',
      policies: () => ({ resource: [trust(trustAllow({ AWS: user('zed', OTHER).arn }))], identity: [idAssume()] }),
      request: assume(user('zed', OTHER)),
      expect: 'Allow',
    },
    {
      name: 'role chaining: trust names the role, session policy does not allow AssumeRole',
      policies: () => ({
        resource: [trust(trustAllow({ AWS: roleSession().roleArn }))],
        session: [session(allow('s3:*'))],
      }),
      request: assume(roleSession()),
      expect: 'ImplicitDeny',
    },
    {
      name: 'role chaining: trust names the session, session policy does not limit it',
      policies: () => ({
        resource: [trust(trustAllow({ AWS: roleSession().arn }))],
        session: [session(allow('s3:*'))],
      }),
      request: assume(roleSession()),
      expect: 'Allow',
    },
    {
      name: 'role chaining: trust names the account, boundary does not allow',
      policies: () => ({
        resource: [trust(trustAllow({ AWS: ACCT }))],
        identity: [idAssume()],
        permissionsBoundary: [identity(allow('s3:*'))],
      }),
      request: assume(roleSession()),
      expect: 'ImplicitDeny',
    },
    {
      name: 'sts:TagSession is decided by the trust policy: not allowed',
      policies: () => ({ resource: [trust(trustAllow({ AWS: user().arn }))] }),
      request: { action: 'sts:TagSession', resource: ROLE, principal: user() },
      expect: 'ImplicitDeny',
    },
    {
      name: 'sts:TagSession is decided by the trust policy: allowed',
      policies: () => ({
        resource: [trust(trustAllow({ AWS: user().arn }, {}, ['sts:AssumeRole', 'sts:TagSession']))],
      }),
      request: { action: 'sts:TagSession', resource: ROLE, principal: user() },
      expect: 'Allow',
    },
    {
      name: 'sts:TagSession with aws:RequestTag condition',
      policies: () => ({
        resource: [
          trust(
            trustAllow(
              { AWS: user().arn },
              { Condition: { StringEquals: { 'aws:RequestTag/project': 'blue' } } },
              'sts:TagSession',
            ),
          ),
        ],
      }),
      request: {
        action: 'sts:TagSession',
        resource: ROLE,
        principal: user(),
        context: { 'aws:RequestTag/Project': 'blue' },
      },
      expect: 'Allow',
    },
    {
      name: 'mode "standard" turns the trust rules off',
      policies: () => ({ identity: [idAssume()] }),
      request: assume(user()),
      expect: 'Allow',
      options: { mode: 'standard' },
    },
    {
      name: 'mode "trust" applies them to any action',
      policies: () => ({ identity: [identity(allow('*'))] }),
      request: { action: 's3:GetObject', principal: user() },
      expect: 'ImplicitDeny',
      options: { mode: 'trust' },
    },
    {
      name: 'trust Deny with NotPrincipal: listed user spared',
      policies: () => ({
        resource: [
          trust(trustAllow({ AWS: ACCT }), {
            Effect: 'Deny',
            NotPrincipal: { AWS: [user().arn, ACCT] },
            Action: 'sts:AssumeRole',
          }),
        ],
        identity: [idAssume()],
      }),
      request: assume(user()),
      expect: 'Allow',
    },
    {
      name: 'trust Deny with NotPrincipal: other user denied',
      policies: () => ({
        resource: [
          trust(trustAllow({ AWS: ACCT }), {
            Effect: 'Deny',
            NotPrincipal: { AWS: [user().arn, ACCT] },
            Action: 'sts:AssumeRole',
          }),
        ],
        identity: [idAssume()],
      }),
      request: assume(user('bob')),
      expect: 'ExplicitDeny',
    },
    {
      name: 'root of the account named by the trust policy (the server forbids root separately)',
      policies: () => ({ resource: [trust(trustAllow({ AWS: ACCT }))] }),
      request: assume(rootOf()),
      expect: 'Allow',
    },
  ]);

  test('evaluateTrust forces the trust rules', () => {
    const t = trust(trustAllow({ AWS: user().arn }, {}, 'sts:SetSourceIdentity'));
    assert.equal(
      evaluateTrust(request({ action: 'sts:SetSourceIdentity', resource: ROLE }), { resource: [t] }).effect,
      'Allow',
    );
    assert.equal(
      evaluateTrust(request({ action: 'sts:SetSourceIdentity', resource: ROLE }), { identity: [identity(allow('*'))] })
        .effect,
      'ImplicitDeny',
    );
  });

  test('isTrustAction', () => {
    for (const a of [
      'sts:AssumeRole',
      'STS:ASSUMEROLEWITHSAML',
      'sts:AssumeRoleWithWebIdentity',
      'sts:TagSession',
      'sts:SetSourceIdentity',
      'sts:SetContext',
    ])
      assert.equal(isTrustAction(a), true, a);
    for (const a of ['sts:GetSessionToken', 'sts:GetCallerIdentity', 's3:GetObject'])
      assert.equal(isTrustAction(a), false, a);
  });
});

// ---------------------------------------------------------------------------------------------------------
// principalMatches and friends

describe('principalMatches', () => {
  const cases: Array<[string, unknown, CallerPrincipal, boolean]> = [
    ['"*" matches a user', '*', user(), true],
    ['"*" matches anonymous', '*', anonymous, true],
    ['{AWS:"*"} matches a service too', { AWS: '*' }, service('ec2.amazonaws.com'), true],
    ['bare account matches a user of the account', { AWS: ACCT }, user(), true],
    ['bare account matches a role session of the account', { AWS: ACCT }, roleSession(), true],
    ['bare account matches root', { AWS: ACCT }, rootOf(), true],
    ['bare account does not match another account', { AWS: ACCT }, user('x', OTHER), false],
    ['root ARN is the same as the bare account', { AWS: `arn:aws:iam::${ACCT}:root` }, federatedUser(), true],
    ['user ARN matches that user', { AWS: user().arn }, user(), true],
    ['user ARN is case-sensitive', { AWS: `arn:aws:iam::${ACCT}:user/Alice` }, user(), false],
    ['role ARN matches its sessions', { AWS: roleSession().roleArn }, roleSession(), true],
    ['session ARN matches that session', { AWS: roleSession().arn }, roleSession(), true],
    ['federated-user ARN', { AWS: federatedUser().arn }, federatedUser(), true],
    ['Service is case-insensitive', { Service: 'EC2.amazonaws.com' }, service('ec2.amazonaws.com'), true],
    ['Federated provider ARN', { Federated: GITHUB }, webIdentity(GITHUB), true],
    [
      'Federated host name is case-insensitive',
      { Federated: 'Accounts.Google.com' },
      webIdentity('accounts.google.com'),
      true,
    ],
    [
      'several keys: any matches',
      { AWS: user('bob').arn, Service: 'ec2.amazonaws.com' },
      service('ec2.amazonaws.com'),
      true,
    ],
    ['anonymous is not in an account', { AWS: ACCT }, anonymous, false],
  ];
  for (const [name, principal, caller, expected] of cases) {
    test(name, () => assert.equal(principalMatches(principal, caller), expected));
  }
  test('a compiled block is accepted as is', () => {
    assert.equal(principalMatches(compilePrincipal({ AWS: ACCT }), user()), true);
  });
  test('an invalid raw principal throws', () => {
    assert.throws(() => principalMatches({ AWS: 'nope' }, user()), /Invalid principal in policy/);
  });
  test('policyPrincipals lists what a trust policy names', () => {
    const t = trust(
      trustAllow({ AWS: [ACCT, user().arn, roleSession().roleArn], Service: 'ec2.amazonaws.com' }),
      trustAllow({ Federated: GITHUB }, {}, 'sts:AssumeRoleWithWebIdentity'),
    );
    const [a, b] = policyPrincipals(t);
    assert.deepEqual([...a!.accounts], [ACCT]);
    assert.deepEqual([...a!.arns], [user().arn]);
    assert.deepEqual([...a!.roles], [roleSession().roleArn]);
    assert.deepEqual([...a!.services], ['ec2.amazonaws.com']);
    assert.deepEqual([...b!.federated], [GITHUB]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Parsing: malformed documents and their messages

function expectMalformed(text: string, kind: PolicyKind, message: string): void {
  assert.throws(
    () => parsePolicy(text, kind),
    (thrown: unknown) => {
      assert.ok(thrown instanceof PolicySyntaxError, `not a PolicySyntaxError: ${String(thrown)}`);
      // What the server answers for it (src/server/wire-error.ts).
      const e = toWireError(thrown)!;
      assert.equal(e.code, 'MalformedPolicyDocument');
      assert.equal(e.status, 400);
      assert.equal(e.message, message);
      return true;
    },
  );
}

const SYNTAX = 'Syntax errors in policy.';
const st = (extra: Json = {}): Json => ({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', ...extra });
const withStatement = (s: Json, version = '2012-10-17'): string => JSON.stringify({ Version: version, Statement: [s] });
const without = (o: Json, ...keys: string[]): Json =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
const tst = (extra: Json = {}): Json => ({
  Effect: 'Allow',
  Principal: { AWS: ACCT },
  Action: 'sts:AssumeRole',
  ...extra,
});

describe('malformed identity and session policies', () => {
  const rows: Array<[string, string, string, PolicyKind?]> = [
    ['invalid JSON', '{"Version": "2012-10-17",', 'This policy contains invalid Json'],
    ['empty text', '', 'This policy contains invalid Json'],
    ['trailing garbage', '{"Statement": []} x', 'This policy contains invalid Json'],
    ['a JSON array', '[]', SYNTAX],
    ['JSON null', 'null', SYNTAX],
    ['a JSON string', '"policy"', SYNTAX],
    ['unknown top-level key', JSON.stringify({ Version: '2012-10-17', Statement: [st()], Comment: 'x' }), SYNTAX],
    ['unknown Version', JSON.stringify({ Version: '2012-10-18', Statement: [st()] }), SYNTAX],
    ['numeric Version', JSON.stringify({ Version: 2012, Statement: [st()] }), SYNTAX],
    ['non-string Id', JSON.stringify({ Version: '2012-10-17', Id: 5, Statement: [st()] }), SYNTAX],
    ['missing Statement', JSON.stringify({ Version: '2012-10-17' }), SYNTAX],
    ['empty Statement', JSON.stringify({ Version: '2012-10-17', Statement: [] }), SYNTAX],
    ['Statement is a string', JSON.stringify({ Version: '2012-10-17', Statement: 'allow all' }), SYNTAX],
    ['a statement is not an object', JSON.stringify({ Version: '2012-10-17', Statement: [1] }), SYNTAX],
    [
      'Principal in an identity policy',
      withStatement(st({ Principal: '*' })),
      'Policy document should not specify a principal.',
    ],
    [
      'NotPrincipal in an identity policy',
      withStatement(st({ NotPrincipal: { AWS: ACCT } })),
      'Policy document should not specify a principal.',
    ],
    [
      'Principal in a session policy',
      withStatement(st({ Principal: { AWS: ACCT } })),
      'Policy document should not specify a principal.',
      'session',
    ],
    ['unknown statement field', withStatement(st({ Foo: 'bar' })), SYNTAX],
    ['misspelled field Actions', withStatement(without(st({ Actions: 's3:*' }), 'Action')), SYNTAX],
    ['missing Effect', withStatement(without(st(), 'Effect')), SYNTAX],
    ['non-string Effect', withStatement(st({ Effect: true })), SYNTAX],
    ['unknown Effect', withStatement(st({ Effect: 'Permit' })), SYNTAX],
    ['Effect in the wrong case', withStatement(st({ Effect: 'allow' })), 'The policy failed legacy parsing'],
    ['both Action and NotAction', withStatement(st({ NotAction: 's3:PutObject' })), SYNTAX],
    ['both Resource and NotResource', withStatement(st({ NotResource: 'arn:aws:s3:::x' })), SYNTAX],
    ['Action is a number', withStatement(st({ Action: 5 })), SYNTAX],
    ['Action list holds a number', withStatement(st({ Action: ['s3:GetObject', 5] })), SYNTAX],
    ['Action is an object', withStatement(st({ Action: { s3: 'GetObject' } })), SYNTAX],
    ['Resource is an object', withStatement(st({ Resource: { Ref: 'Bucket' } })), SYNTAX],
    ['missing Action', withStatement(without(st(), 'Action')), 'Policy statement must contain actions.'],
    ['empty Action list', withStatement(st({ Action: [] })), 'Policy statement must contain actions.'],
    [
      'empty NotAction list',
      withStatement(without(st({ NotAction: [] }), 'Action')),
      'Policy statement must contain actions.',
    ],
    ['missing Resource', withStatement(without(st(), 'Resource')), 'Policy statement must contain resources.'],
    ['empty Resource list', withStatement(st({ Resource: [] })), 'Policy statement must contain resources.'],
    [
      'missing Resource in a session policy',
      withStatement(without(st(), 'Resource')),
      'Policy statement must contain resources.',
      'session',
    ],
    [
      'action without a vendor',
      withStatement(st({ Action: 's3GetObject' })),
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    ],
    [
      'empty action',
      withStatement(st({ Action: '' })),
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    ],
    [
      'action with two colons',
      withStatement(st({ Action: 's3:Get:Object' })),
      'Actions/Condition can contain only one colon.',
    ],
    ['action with an invalid vendor', withStatement(st({ Action: 's3 x:GetObject' })), 'Vendor s3 x is not valid'],
    ['action with a wildcard vendor', withStatement(st({ Action: 's*:GetObject' })), 'Vendor s* is not valid'],
    [
      'resource that is not an ARN',
      withStatement(st({ Resource: 'my-bucket/*' })),
      'Resource my-bucket/* must be in ARN format or "*".',
    ],
    [
      'resource with :: but too few fields',
      withStatement(st({ Resource: 'arn:aws:s3::bucket' })),
      'The policy failed legacy parsing',
    ],
    [
      'Sid with a space',
      withStatement(st({ Sid: 'my sid' })),
      'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
    ],
    [
      'Sid with a dash',
      withStatement(st({ Sid: 'read-only' })),
      'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
    ],
    ['non-string Sid', withStatement(st({ Sid: 7 })), SYNTAX],
    [
      'duplicate Sids',
      JSON.stringify({ Version: '2012-10-17', Statement: [st({ Sid: 'A' }), st({ Sid: 'A' })] }),
      'Statement IDs (SID) in a single policy must be unique.',
    ],
    ['Condition is a string', withStatement(st({ Condition: 'x' })), SYNTAX],
    ['Condition operator block is a string', withStatement(st({ Condition: { StringEquals: 'x' } })), SYNTAX],
    [
      'unknown condition operator',
      withStatement(st({ Condition: { StringEqualz: { 'aws:username': 'a' } } })),
      'Invalid Condition type : StringEqualz',
    ],
    [
      'NullIfExists is not an operator',
      withStatement(st({ Condition: { NullIfExists: { 'aws:username': 'true' } } })),
      'Invalid Condition type : NullIfExists',
    ],
    [
      'unknown set qualifier',
      withStatement(st({ Condition: { 'ForSomeValues:StringEquals': { 'aws:TagKeys': 'a' } } })),
      'Invalid Condition type : ForSomeValues:StringEquals',
    ],
    [
      'condition value is an object',
      withStatement(st({ Condition: { StringEquals: { 'aws:username': { a: 1 } } } })),
      SYNTAX,
    ],
    ['condition value is null', withStatement(st({ Condition: { StringEquals: { 'aws:username': null } } })), SYNTAX],
    [
      'condition value list holds an object',
      withStatement(st({ Condition: { StringEquals: { 'aws:username': ['a', {}] } } })),
      SYNTAX,
    ],
    [
      'condition key without a vendor',
      withStatement(st({ Condition: { StringEquals: { username: 'a' } } })),
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    ],
    [
      'unparsable date',
      withStatement(st({ Condition: { DateLessThan: { 'aws:CurrentTime': 'yesterday' } } })),
      'The policy failed legacy parsing',
    ],
    [
      'date with month 13',
      withStatement(st({ Condition: { DateLessThan: { 'aws:CurrentTime': '2024-13-01T00:00:00Z' } } })),
      'The policy failed legacy parsing',
    ],
    [
      'Principal in a session policy is refused before anything else',
      withStatement({ Principal: '*' }),
      'Policy document should not specify a principal.',
      'session',
    ],
  ];
  for (const [name, text, message, kind] of rows) {
    test(`${kind ?? 'identity'}: ${name}`, () => expectMalformed(text, kind ?? 'identity', message));
  }
});

describe('malformed resource-based policies', () => {
  const rows: Array<[string, Json, string]> = [
    ['missing Principal', st(), 'Missing required field Principal'],
    [
      'AWS principal that is not an ARN',
      st({ Principal: { AWS: 'not-an-arn' } }),
      'Invalid principal in policy: "AWS":"not-an-arn"',
    ],
    [
      'AWS principal with a wildcard ARN',
      st({ Principal: { AWS: `arn:aws:iam::${ACCT}:role/*` } }),
      `Invalid principal in policy: "AWS":"arn:aws:iam::${ACCT}:role/*"`,
    ],
    [
      'AWS principal with an 11-digit account',
      st({ Principal: { AWS: '11112222333' } }),
      'Invalid principal in policy: "AWS":"11112222333"',
    ],
    [
      'AWS principal naming a group',
      st({ Principal: { AWS: `arn:aws:iam::${ACCT}:group/admins` } }),
      `Invalid principal in policy: "AWS":"arn:aws:iam::${ACCT}:group/admins"`,
    ],
    ['Principal string other than *', st({ Principal: 'everyone' }), 'Invalid principal in policy: "everyone"'],
    ['unknown principal type', st({ Principal: { Foo: 'bar' } }), 'Invalid principal in policy: "Foo"'],
    ['empty Principal object', st({ Principal: {} }), SYNTAX],
    ['Principal value is a number', st({ Principal: { AWS: 123456789012 } }), SYNTAX],
    ['Principal list is empty', st({ Principal: { AWS: [] } }), SYNTAX],
    [
      'Service principal with a space',
      st({ Principal: { Service: 'not a service' } }),
      'Invalid principal in policy: "SERVICE":"not a service"',
    ],
    [
      'Federated principal naming a user',
      st({ Principal: { Federated: `arn:aws:iam::${ACCT}:user/x` } }),
      `Invalid principal in policy: "FEDERATED":"arn:aws:iam::${ACCT}:user/x"`,
    ],
    ['both Principal and NotPrincipal', st({ Principal: '*', NotPrincipal: { AWS: ACCT } }), SYNTAX],
  ];
  for (const [name, statement, message] of rows) {
    test(`resource: ${name}`, () => expectMalformed(withStatement(statement), 'resource', message));
  }
});

describe('malformed trust policies (UNCONFIRMED wording where noted in document.ts)', () => {
  const rows: Array<[string, string, string]> = [
    ['invalid JSON', '{', 'This policy contains invalid Json'],
    [
      'unknown top-level key',
      JSON.stringify({ Version: '2012-10-17', Statement: [tst()], Comment: 'x' }),
      'Unknown field Comment',
    ],
    [
      'lower-case statement key',
      JSON.stringify({ version: '2012-10-17', Statement: [tst()] }),
      'Unknown field version',
    ],
    ['unknown statement field', withStatement(tst({ Actions: 'sts:AssumeRole' })), 'Unknown field Actions'],
    ['Resource', withStatement(tst({ Resource: '*' })), 'Has prohibited field Resource'],
    ['an identity policy passed as a trust policy', withStatement(st()), 'Has prohibited field Resource'],
    ['NotResource', withStatement(tst({ NotResource: '*' })), 'AssumeRole policy must not contain resources.'],
    ['missing Principal', withStatement(without(tst(), 'Principal')), 'Missing required field Principal'],
    [
      'empty Principal object',
      withStatement(tst({ Principal: {} })),
      'Missing required field Principal cannot be empty!',
    ],
    [
      'invalid AWS principal',
      withStatement(tst({ Principal: { AWS: 'not-an-arn' } })),
      'Invalid principal in policy: "AWS":"not-an-arn"',
    ],
    [
      'invalid Service principal',
      withStatement(tst({ Principal: { Service: '*' } })),
      'Invalid principal in policy: "SERVICE":"*"',
    ],
    ['missing Effect', withStatement(without(tst(), 'Effect')), 'Missing required field Effect'],
    ['Effect in the wrong case', withStatement(tst({ Effect: 'allow' })), 'Invalid effect: allow'],
    ['non-string Effect', withStatement(tst({ Effect: 1 })), SYNTAX],
    ['missing Action', withStatement(without(tst(), 'Action')), 'Missing required field Action'],
    ['empty Action list', withStatement(tst({ Action: [] })), 'Missing required field Action'],
    [
      'non-STS action',
      withStatement(tst({ Action: 's3:GetObject' })),
      'AssumeRole policy may only specify STS AssumeRole actions.',
    ],
    ['action *', withStatement(tst({ Action: '*' })), 'AssumeRole policy may only specify STS AssumeRole actions.'],
    [
      'an STS action that is not about roles',
      withStatement(tst({ Action: 'sts:GetCallerIdentity' })),
      'AssumeRole policy may only specify STS AssumeRole actions.',
    ],
    [
      'action without a vendor',
      withStatement(tst({ Action: 'AssumeRole' })),
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    ],
    [
      'Allow with NotPrincipal',
      withStatement(without(tst({ NotPrincipal: { AWS: ACCT } }), 'Principal')),
      'Allow with NotPrincipal is not allowed.',
    ],
    [
      'empty Statement',
      JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      'Could not parse the policy: Statement is empty!',
    ],
    ['missing Statement', JSON.stringify({ Version: '2012-10-17' }), 'Missing required field Statement'],
    [
      'unknown Version',
      JSON.stringify({ Version: '2012-10-18', Statement: [tst()] }),
      'The policy must contain a valid version string',
    ],
    [
      'duplicate Sids',
      JSON.stringify({ Version: '2012-10-17', Statement: [tst({ Sid: 'A' }), tst({ Sid: 'A' })] }),
      'The Statement Ids in the policy are not unique',
    ],
    [
      'unknown condition operator',
      withStatement(tst({ Condition: { StringEqualz: { 'sts:ExternalId': 'x' } } })),
      'Invalid Condition type : StringEqualz',
    ],
    [
      'Sid with a space (UNCONFIRMED for trust policies)',
      withStatement(tst({ Sid: 'Allow GitHub' })),
      'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
    ],
    [
      'Federated principal that is not a provider',
      withStatement(tst({ Principal: { Federated: 'not a provider' } })),
      'Invalid principal in policy: "FEDERATED":"not a provider"',
    ],
    ['both Action and NotAction', withStatement(tst({ NotAction: 'sts:TagSession' })), SYNTAX],
  ];
  for (const [name, text, message] of rows) {
    test(`trust: ${name}`, () => expectMalformed(text, 'trust', message));
  }
});

describe('valid documents', () => {
  test('Version missing means 2008-10-17', () => {
    assert.equal(parsePolicy(JSON.stringify({ Statement: st() }), 'identity').version, '2008-10-17');
  });
  test('Version 2012-10-17 and Id are kept', () => {
    const p = parsePolicy(JSON.stringify({ Version: '2012-10-17', Id: 'my-policy', Statement: st() }), 'identity');
    assert.equal(p.version, '2012-10-17');
    assert.equal(p.id, 'my-policy');
    assert.equal(p.kind, 'identity');
  });
  test('statement fields are compiled', () => {
    const p = parsePolicy(
      withStatement(st({ Sid: 'Read1', NotResource: ['arn:aws:s3:::x'], Resource: undefined })),
      'identity',
    );
    const s = p.statements[0]!;
    assert.equal(s.sid, 'Read1');
    assert.equal(s.effect, 'Allow');
    assert.equal(s.notResource, true);
    assert.equal(s.notAction, false);
    assert.deepEqual(s.resources?.patterns, ['arn:aws:s3:::x']);
  });
  const ok: Array<[string, string, PolicyKind]> = [
    ['Version 2008-10-17', withStatement(st(), '2008-10-17'), 'identity'],
    ['empty Sid', withStatement(st({ Sid: '' })), 'identity'],
    [
      'condition values as numbers and booleans',
      withStatement(
        st({
          Condition: {
            NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 },
            Bool: { 'aws:SecureTransport': [true, 'true'] },
          },
        }),
      ),
      'identity',
    ],
    [
      'empty condition value list',
      withStatement(st({ Condition: { StringEquals: { 'aws:username': [] } } })),
      'identity',
    ],
    ['aws-cn partition resource', withStatement(st({ Resource: 'arn:aws-cn:s3:::bucket/*' })), 'identity'],
    ['resource pattern arn:aws:s3:*', withStatement(st({ Resource: 'arn:aws:s3:*' })), 'identity'],
    ['action with a dotted vendor', withStatement(st({ Action: 'execute-api.x:Invoke' })), 'identity'],
    [
      'OIDC condition key with a path',
      withStatement(
        st({
          Condition: { StringEquals: { 'oidc.eks.us-east-1.amazonaws.com/id/ABC:sub': 'system:serviceaccount:ns:sa' } },
        }),
      ),
      'identity',
    ],
    [
      'duplicate JSON keys: the last one wins',
      '{"Version":"2012-10-17","Statement":{"Effect":"Deny","Effect":"Allow","Action":"s3:*","Resource":"*"}}',
      'identity',
    ],
    [
      'resource policy without Resource',
      withStatement({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject' }),
      'resource',
    ],
    [
      'resource policy with NotPrincipal',
      withStatement({ Effect: 'Deny', NotPrincipal: { AWS: ACCT }, Action: 's3:*', Resource: '*' }),
      'resource',
    ],
    [
      'trust with every principal form',
      withStatement(
        tst({
          Principal: {
            AWS: [
              '*',
              ACCT,
              `arn:aws:iam::${ACCT}:root`,
              user().arn,
              roleSession().roleArn,
              roleSession().arn,
              federatedUser().arn,
            ],
            Service: 'ec2.amazonaws.com',
            Federated: [GITHUB, SAML_IDP, 'cognito-identity.amazonaws.com', 'accounts.google.com'],
          },
        }),
      ),
      'trust',
    ],
    ['trust with Principal "*"', withStatement(tst({ Principal: '*' })), 'trust'],
    [
      'trust with sts:* and a NotAction',
      withStatement(without(tst({ NotAction: 'sts:TagSession' }), 'Action')),
      'trust',
    ],
    [
      'trust with AssumeRoleWithWebIdentity and TagSession',
      withStatement(tst({ Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] })),
      'trust',
    ],
    [
      'trust Deny with NotPrincipal',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [tst(), { Effect: 'Deny', NotPrincipal: { AWS: ACCT }, Action: 'sts:AssumeRole' }],
      }),
      'trust',
    ],
    [
      'trust with sts:SetContext and sts:SetSourceIdentity',
      withStatement(tst({ Action: ['sts:AssumeRole', 'sts:SetContext', 'sts:SetSourceIdentity'] })),
      'trust',
    ],
    ['trust with sts:Assume*', withStatement(tst({ Action: 'sts:Assume*' })), 'trust'],
    [
      'trust with conditions',
      withStatement(
        tst({
          Condition: {
            StringEquals: { 'sts:ExternalId': 'x' },
            'ForAllValues:StringLike': { 'sts:TransitiveTagKeys': 'p*' },
          },
        }),
      ),
      'trust',
    ],
    [
      'CanonicalUser principal',
      withStatement({
        Effect: 'Allow',
        Principal: { CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' },
        Action: 's3:GetObject',
        Resource: '*',
      }),
      'resource',
    ],
  ];
  for (const [name, text, kind] of ok) {
    test(`accepted: ${kind}: ${name}`, () => {
      const p = parsePolicy(text, kind);
      assert.ok(p.statements.length >= 1);
    });
  }
  test('duplicate JSON keys: the last Effect is the one evaluated', () => {
    const p = parsePolicy(
      '{"Version":"2012-10-17","Statement":{"Effect":"Deny","Effect":"Allow","Action":"s3:*","Resource":"*"}}',
      'identity',
    );
    assert.equal(evaluate(request({}), { identity: [p] }).effect, 'Allow');
  });
  test('a parsed policy evaluates the same many times', () => {
    const p = identity(allow('s3:*', 'arn:aws:s3:::b/${aws:username}/*'));
    for (const name of ['a', 'b', 'c', 'a']) {
      const d = evaluate(request({ resource: `arn:aws:s3:::b/${name}/x`, context: { 'aws:username': 'a' } }), {
        identity: [p],
      });
      assert.equal(d.effect, name === 'a' ? 'Allow' : 'ImplicitDeny');
    }
  });
  test('identity2008 helper: variables stay literal in conditions', () => {
    const p = identity2008(allow('s3:*', '*', { Condition: { StringEquals: { 'ex:V': '${aws:username}' } } }));
    assert.equal(
      evaluate(request({ context: { 'ex:V': 'alice', 'aws:username': 'alice' } }), { identity: [p] }).effect,
      'ImplicitDeny',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// Building blocks

describe('building blocks', () => {
  test('parseDate: ISO forms and epoch seconds', () => {
    assert.equal(parseDate('2024-05-01T12:00:00Z'), Date.UTC(2024, 4, 1, 12));
    assert.equal(parseDate('2024-05-01'), Date.UTC(2024, 4, 1));
    assert.equal(parseDate('2024-05-01T14:00:00+02:00'), Date.UTC(2024, 4, 1, 12));
    assert.equal(parseDate('2024-05-01T10:30:00-0130'), Date.UTC(2024, 4, 1, 12));
    assert.equal(parseDate('1714564800'), Date.UTC(2024, 4, 1, 12));
    assert.ok(Number.isNaN(parseDate('2024-02-30')));
    assert.ok(Number.isNaN(parseDate('May 1st')));
  });
  test('parseIp: IPv4, IPv6, embedded and mapped forms', () => {
    assert.deepEqual(parseIp('10.0.0.1'), { v6: false, words: [0x0a000001] });
    assert.deepEqual(parseIp('::1'), { v6: true, words: [0, 0, 0, 1] });
    assert.deepEqual(parseIp('::ffff:10.0.0.1'), { v6: false, words: [0x0a000001] });
    assert.deepEqual(parseIp('64:ff9b::192.0.2.33'), { v6: true, words: [0x0064ff9b, 0, 0, 0xc0000221] });
    assert.deepEqual(parseIp('fe80::1%eth0'), { v6: true, words: [0xfe800000, 0, 0, 1] });
    assert.equal(parseIp('256.0.0.1'), null);
    assert.equal(parseIp('1:2:3:4:5:6:7:8:9'), null);
    assert.equal(parseIp('1::2::3'), null);
  });
  test('parseCidr and cidrContains', () => {
    const block = parseCidr('2001:db8::/127')!;
    assert.equal(cidrContains(block, parseIp('2001:db8::1')!), true);
    assert.equal(cidrContains(block, parseIp('2001:db8::2')!), false);
    assert.equal(cidrContains(parseCidr('::ffff:10.0.0.0/104')!, parseIp('10.200.0.1')!), true);
    assert.equal(parseCidr('10.0.0.0/33'), null);
    assert.equal(parseCidr('10.0.0.0/x'), null);
  });
  test('compilePattern modes', () => {
    assert.equal(compilePattern('arn:aws:s3:::b/*', 'resource')('arn:aws:s3:::b/k/x'), true);
    assert.equal(compilePattern('arn:aws:*:us-east-1:*:x', 'resource')('arn:aws:sqs:us-east-1:1:x'), true);
    assert.equal(compilePattern('arn:aws:*:us-east-1:*:x', 'arn')('arn:aws:sqs:us-east-1:1:x'), true);
    assert.equal(compilePattern('arn:aws:s?s:::x', 'arn')('arn:aws:sqs:::x'), true);
    assert.equal(compilePattern('a*b', 'plain')('a:/b'), true);
    assert.equal(compilePattern('a.b', 'plain')('axb'), false);
    assert.equal(compilePattern('(a)+', 'plain')('(a)+'), true);
  });
  test('accountOfArn', () => {
    assert.equal(accountOfArn(ROLE), ACCT);
    assert.equal(accountOfArn('arn:aws:s3:::bucket'), undefined);
    assert.equal(accountOfArn('*'), undefined);
    assert.equal(accountOfArn('arn:aws:sqs:us-east-1:12345:q'), undefined);
  });
});
