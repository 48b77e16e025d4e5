/**
 * The policy simulator (SimulateCustomPolicy, SimulatePrincipalPolicy, GetContextKeysFor*Policy): the engine that
 * authorizes requests decides, answered in AWS's EvaluationResults shape; driven over raw HTTP (exact wire output),
 * by the real aws CLI and by boto3.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { statementSpans } from '../../src/iam-api/statement-positions.js';
import { aws, boto3 } from '../helpers/clients.js';
import { accountOf, allow, deny, iam, ok, policy, type Params } from '../helpers/iam.js';
import { createUserWithKey, errorCode, xmlText } from '../helpers/query.js';
import { serverForFile } from '../helpers/server.js';

const s = await serverForFile();
const account = accountOf(s);

/** Query-protocol list members: Name.member.N. */
const list = (name: string, values: string[]): Params =>
  Object.fromEntries(values.map((v, i) => [`${name}.member.${i + 1}`, v]));
const body = (xml: string) => xml.replace(/<ResponseMetadata>.*<\/ResponseMetadata>/, '');

describe('statement positions', () => {
  // Columns one past each brace, as AWS answered in LocalStack's recorded test_simulate_principle_policy (the CLI
  // example's document is not published; this one is an indented reconstruction of it).
  test('an indented document: a statement from line 3 column 20 to line 9 column 10', () => {
    const doc =
      '{\n    "Version": "2012-10-17",\n    "Statement": [{\n        "Sid": "Grant-Access-To-CodeCommit-ListRepo",\n' +
      '        "Effect": "Allow",\n        "Action": "codecommit:ListRepositories",\n        "Resource": "*",\n' +
      '        "Condition": {}\n        }\n    ]\n}';
    assert.deepEqual(statementSpans(doc), [
      { StartPosition: { Line: 3, Column: 20 }, EndPosition: { Line: 9, Column: 10 } },
    ]);
  });

  test('one statement object, several statements, braces inside strings', () => {
    assert.deepEqual(statementSpans('{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'), [
      { StartPosition: { Line: 1, Column: 15 }, EndPosition: { Line: 1, Column: 60 } },
    ]);
    const two =
      '{"Version":"2012-10-17","Statement":[{"Sid":"a{[\\"","Effect":"Allow","Action":"*","Resource":"*"},\n{"Effect":"Deny","Action":"*","Resource":"*"}]}';
    assert.deepEqual(
      statementSpans(two).map((x) => [x.StartPosition.Line, x.StartPosition.Column, x.EndPosition.Line]),
      [
        [1, 39, 1],
        [2, 2, 2],
      ],
    );
  });
});

describe('SimulateCustomPolicy', () => {
  test('exact wire output: allowed with the matched statement, implicit deny, missing context keys', async () => {
    const doc = policy(
      allow('s3:GetObject', 'arn:aws:s3:::bucket/*'),
      allow('s3:PutObject', '*', { StringEquals: { 'aws:PrincipalTag/team': 'x' } }),
    );
    const r = await ok(
      iam(s, 'SimulateCustomPolicy', {
        ...list('PolicyInputList', [doc]),
        ...list('ActionNames', ['s3:GetObject', 's3:PutObject']),
        ...list('ResourceArns', ['arn:aws:s3:::bucket/key']),
      }),
    );
    const matched =
      '<MatchedStatements><member><SourcePolicyId>PolicyInputList.1</SourcePolicyId><SourcePolicyType>none</SourcePolicyType>' +
      '<StartPosition><Line>1</Line><Column>39</Column></StartPosition><EndPosition><Line>1</Line><Column>115</Column></EndPosition></member></MatchedStatements>';
    assert.equal(
      body(r.body),
      '<SimulateCustomPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulateCustomPolicyResult><EvaluationResults>' +
        '<member><EvalActionName>s3:GetObject</EvalActionName><EvalResourceName>arn:aws:s3:::bucket/key</EvalResourceName><EvalDecision>allowed</EvalDecision>' +
        `${matched}<MissingContextValues></MissingContextValues><EvalDecisionDetails></EvalDecisionDetails><ResourceSpecificResults><member><EvalResourceName>arn:aws:s3:::bucket/key</EvalResourceName>` +
        `<EvalResourceDecision>allowed</EvalResourceDecision>${matched}<MissingContextValues></MissingContextValues></member></ResourceSpecificResults></member>` +
        '<member><EvalActionName>s3:PutObject</EvalActionName><EvalResourceName>arn:aws:s3:::bucket/key</EvalResourceName><EvalDecision>implicitDeny</EvalDecision>' +
        '<MatchedStatements></MatchedStatements><MissingContextValues><member>aws:PrincipalTag/team</member></MissingContextValues><EvalDecisionDetails></EvalDecisionDetails><ResourceSpecificResults><member>' +
        '<EvalResourceName>arn:aws:s3:::bucket/key</EvalResourceName><EvalResourceDecision>implicitDeny</EvalResourceDecision><MatchedStatements></MatchedStatements>' +
        '<MissingContextValues><member>aws:PrincipalTag/team</member></MissingContextValues></member></ResourceSpecificResults></member>' +
        '</EvaluationResults><IsTruncated>false</IsTruncated></SimulateCustomPolicyResult></SimulateCustomPolicyResponse>',
    );
  });

  test('explicit deny, typed context entries, permissions boundary, MaxItems and Marker', async () => {
    const doc = policy(
      allow('ec2:*'),
      deny('ec2:TerminateInstances', '*', { Bool: { 'aws:MultiFactorAuthPresent': 'false' } }),
    );
    const params = {
      ...list('PolicyInputList', [doc]),
      ...list('PermissionsBoundaryPolicyInputList', [policy(allow(['ec2:Describe*', 'ec2:TerminateInstances']))]),
      ...list('ActionNames', ['ec2:TerminateInstances', 'ec2:DescribeInstances', 'ec2:RunInstances']),
      'ContextEntries.member.1.ContextKeyName': 'aws:MultiFactorAuthPresent',
      'ContextEntries.member.1.ContextKeyType': 'boolean',
      'ContextEntries.member.1.ContextKeyValues.member.1': 'false',
      MaxItems: 2,
    };
    const first = await ok(iam(s, 'SimulateCustomPolicy', params));
    assert.deepEqual(
      [...first.body.matchAll(/<EvalDecision>(\w+)</g)].map((m) => m[1]),
      ['explicitDeny', 'allowed'],
    );
    assert.deepEqual(
      [...first.body.matchAll(/<AllowedByPermissionsBoundary>(\w+)</g)].map((m) => m[1]),
      ['true', 'true'],
    );
    assert.equal(xmlText(first.body, 'IsTruncated'), 'true');
    const rest = await ok(iam(s, 'SimulateCustomPolicy', { ...params, Marker: xmlText(first.body, 'Marker')! }));
    assert.equal(xmlText(rest.body, 'EvalActionName'), 'ec2:RunInstances');
    assert.equal(xmlText(rest.body, 'EvalDecision'), 'implicitDeny');
    assert.equal(xmlText(rest.body, 'AllowedByPermissionsBoundary'), 'false');
    assert.equal(xmlText(rest.body, 'IsTruncated'), 'false');
  });

  test('bad input: a malformed policy, a value its type cannot read, too many actions, a bad marker', async () => {
    const bad = await iam(s, 'SimulateCustomPolicy', {
      ...list('PolicyInputList', ['{"Statement": 7}']),
      ...list('ActionNames', ['s3:GetObject']),
    });
    assert.equal(errorCode(bad), 'InvalidInput');
    assert.match(xmlText(bad.body, 'Message')!, /^PolicyInputList\.1: /);
    const typed = await iam(s, 'SimulateCustomPolicy', {
      ...list('PolicyInputList', [policy(allow('*'))]),
      ...list('ActionNames', ['s3:GetObject']),
      'ContextEntries.member.1.ContextKeyName': 'aws:EpochTime',
      'ContextEntries.member.1.ContextKeyType': 'numeric',
      'ContextEntries.member.1.ContextKeyValues.member.1': 'soon',
    });
    assert.equal(errorCode(typed), 'InvalidInput');
    assert.equal(xmlText(typed.body, 'Message'), 'Invalid numeric value for context key aws:EpochTime: soon');
    const many = await iam(s, 'SimulateCustomPolicy', {
      ...list('PolicyInputList', [policy(allow('*'))]),
      ...list(
        'ActionNames',
        Array.from({ length: 1001 }, (_, i) => `s3:Op${i}`),
      ),
    });
    assert.equal(errorCode(many), 'InvalidInput');
    assert.equal(xmlText(many.body, 'Message'), 'The simulation accepts at most 1000 action names.');
    const marker = await iam(s, 'SimulateCustomPolicy', {
      ...list('PolicyInputList', [policy(allow('*'))]),
      ...list('ActionNames', ['s3:GetObject']),
      Marker: 'x',
    });
    assert.equal(errorCode(marker), 'InvalidInput');
    const missing = await iam(s, 'SimulateCustomPolicy', { ...list('ActionNames', ['s3:GetObject']) });
    assert.equal(errorCode(missing), 'ValidationError');
  });

  test("the worst case within the bounds: a policy near the model's 131072 characters, 1000 actions on one page", async () => {
    const statements = [];
    for (let i = 0; statements.length < 950; i++) {
      statements.push(
        allow(`svc${i}:Get*`, `arn:aws:s3:::bucket${i}/*`, { StringLike: { [`aws:PrincipalTag/k${i}`]: 'v*' } }),
      );
    }
    const doc = policy(...statements);
    assert.ok(doc.length > 100_000 && doc.length <= 131_072, String(doc.length));
    const r = await ok(
      iam(s, 'SimulateCustomPolicy', {
        ...list('PolicyInputList', [doc]),
        ...list(
          'ActionNames',
          Array.from({ length: 1000 }, (_, i) => `svc${i}:GetThing`),
        ),
        MaxItems: 1000,
      }),
    );
    assert.equal([...r.body.matchAll(/<EvalDecision>implicitDeny</g)].length, 1000);
    assert.equal(xmlText(r.body, 'IsTruncated'), 'false');
  });

  test('a resource policy naming the caller allows it; CallerArn is required with one', async () => {
    const resourcePolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:user/bob` },
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::b/*',
        },
      ],
    });
    const base = {
      ...list('PolicyInputList', [policy(allow('s3:ListBucket'))]),
      ...list('ActionNames', ['s3:GetObject']),
      ...list('ResourceArns', ['arn:aws:s3:::b/k']),
      ResourcePolicy: resourcePolicy,
    };
    assert.equal(errorCode(await iam(s, 'SimulateCustomPolicy', base)), 'InvalidInput');
    const r = await ok(iam(s, 'SimulateCustomPolicy', { ...base, CallerArn: `arn:aws:iam::${account}:user/bob` }));
    assert.equal(xmlText(r.body, 'EvalDecision'), 'allowed');
    assert.equal(xmlText(r.body, 'SourcePolicyId'), 'ResourcePolicy');
    assert.equal(xmlText(r.body, 'SourcePolicyType'), 'resource');
  });
});

describe('SimulatePrincipalPolicy and the context key operations', () => {
  before(async () => {
    await createUserWithKey(s, 'alejandro');
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'alejandro',
        PolicyName: 'Grant-Access-To-CodeCommit-ListRepo',
        PolicyDocument: JSON.stringify(
          {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 'codecommit:ListRepositories', Resource: '*' },
              deny('codecommit:DeleteRepository', '*', { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } }),
            ],
          },
          null,
          4,
        ),
      }),
    );
    await ok(iam(s, 'CreateGroup', { GroupName: 'readers' }));
    await ok(iam(s, 'AddUserToGroup', { GroupName: 'readers', UserName: 'alejandro' }));
    await ok(
      iam(s, 'AttachGroupPolicy', {
        GroupName: 'readers',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess',
      }),
    );
  });

  test('the aws CLI: simulate-principal-policy reports the user, group and AWS managed policies that decide', async () => {
    const user = `arn:aws:iam::${account}:user/alejandro`;
    const r = await aws(s, s.root, [
      'iam',
      'simulate-principal-policy',
      '--policy-source-arn',
      user,
      '--action-names',
      'codecommit:ListRepositories',
      's3:GetObject',
      'codecommit:DeleteRepository',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json.EvaluationResults, [
      {
        EvalActionName: 'codecommit:ListRepositories',
        EvalResourceName: '*',
        EvalDecision: 'allowed',
        MatchedStatements: [
          {
            SourcePolicyId: 'Grant-Access-To-CodeCommit-ListRepo',
            SourcePolicyType: 'user',
            StartPosition: { Line: 4, Column: 10 },
            EndPosition: { Line: 8, Column: 10 },
          },
        ],
        MissingContextValues: [],
      },
      {
        EvalActionName: 's3:GetObject',
        EvalResourceName: '*',
        EvalDecision: 'allowed',
        MatchedStatements: [
          {
            SourcePolicyId: 'AmazonS3ReadOnlyAccess',
            SourcePolicyType: 'aws-managed',
            StartPosition: { Line: 1, Column: 39 },
            EndPosition: { Line: 1, Column: 167 },
          },
        ],
        MissingContextValues: [],
      },
      // StringNotEquals on a key the context lacks matches (as in authorization), so the Deny decides.
      {
        EvalActionName: 'codecommit:DeleteRepository',
        EvalResourceName: '*',
        EvalDecision: 'explicitDeny',
        MatchedStatements: [
          {
            SourcePolicyId: 'Grant-Access-To-CodeCommit-ListRepo',
            SourcePolicyType: 'user',
            StartPosition: { Line: 9, Column: 10 },
            EndPosition: { Line: 18, Column: 10 },
          },
        ],
        MissingContextValues: ['aws:RequestedRegion'],
      },
    ]);
    const custom = await aws(s, s.root, [
      'iam',
      'simulate-custom-policy',
      '--policy-input-list',
      policy(allow('sqs:*')),
      '--action-names',
      'sqs:SendMessage',
      '--context-entries',
      'ContextKeyName=aws:CurrentTime,ContextKeyValues=2018-04-25T11:00:00Z,ContextKeyType=date',
    ]);
    assert.equal(custom.code, 0, custom.stderr);
    assert.equal(custom.json.EvaluationResults[0].EvalDecision, 'allowed');
  });

  test('boto3: context keys of the principal and of custom policies; an unknown user is NoSuchEntity', async () => {
    const got = await boto3(
      s,
      s.root,
      `
res = [iam.get_context_keys_for_principal_policy(PolicySourceArn=params['arn'])['ContextKeyNames']]
res.append(iam.get_context_keys_for_custom_policy(PolicyInputList=[params['doc']])['ContextKeyNames'])
try:
    iam.simulate_principal_policy(PolicySourceArn=params['ghost'], ActionNames=['s3:GetObject'])
except botocore.exceptions.ClientError as e:
    res.append(e.response['Error']['Code'])
out(res)
`,
      {
        arn: `arn:aws:iam::${account}:user/alejandro`,
        ghost: `arn:aws:iam::${account}:user/ghost`,
        doc: policy(
          allow('s3:*', '*', { StringEquals: { 's3:prefix': 'a', 'aws:SourceIp': '1.2.3.4' } }),
          allow('ec2:*', '*', { StringEquals: { 'S3:Prefix': 'b' } }),
        ),
      },
    );
    assert.deepEqual(got, [['aws:RequestedRegion'], ['s3:prefix', 'aws:SourceIp'], 'NoSuchEntity']);
  });

  test('permission: iam:SimulatePrincipalPolicy on the principal', async () => {
    const creds = await createUserWithKey(s, 'nobody');
    const r = await iam(
      s,
      'SimulatePrincipalPolicy',
      { PolicySourceArn: `arn:aws:iam::${account}:user/alejandro`, ...list('ActionNames', ['s3:GetObject']) },
      creds,
    );
    assert.equal(errorCode(r), 'AccessDenied');
    assert.match(
      xmlText(r.body, 'Message')!,
      /not authorized to perform: iam:SimulatePrincipalPolicy on resource: arn:aws:iam::\d{12}:user\/alejandro/,
    );
  });
});
