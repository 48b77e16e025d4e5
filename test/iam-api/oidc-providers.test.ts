/** IAM OpenID Connect providers over raw HTTP: exact wire output, AWS's errors and quotas, tags, authorization. */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { createUserWithKey, errorCode, xmlText } from '../helpers/query.js';
import { accountOf, allow, iam, ok, policy } from '../helpers/iam.js';
import { serverForFile } from '../helpers/server.js';

const s = await serverForFile();
const account = accountOf(s);
const alice = await createUserWithKey(s, 'alice');

const message = (body: string) => xmlText(body, 'Message');
const members = (body: string, tag: string) =>
  [...body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
const THUMB = '9e99a48a9960b14926bb7f3b02e22da2b0ab7280';
const arnOf = (url: string) => `arn:aws:iam::${account}:oidc-provider/${url}`;

describe('create, get, list, delete', () => {
  test('CreateOpenIDConnectProvider answers the ARN (the URL without https://) and the tags', async () => {
    const r = await ok(
      iam(s, 'CreateOpenIDConnectProvider', {
        Url: 'https://token.actions.githubusercontent.com',
        'ClientIDList.member.1': 'sts.amazonaws.com',
        'ThumbprintList.member.1': THUMB,
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'ci',
      }),
    );
    assert.equal(
      r.body,
      '<CreateOpenIDConnectProviderResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateOpenIDConnectProviderResult>' +
        `<OpenIDConnectProviderArn>${arnOf('token.actions.githubusercontent.com')}</OpenIDConnectProviderArn>` +
        '<Tags><member><Key>team</Key><Value>ci</Value></member></Tags>' +
        `</CreateOpenIDConnectProviderResult><ResponseMetadata><RequestId>${r.headers.get('x-amzn-requestid')}</RequestId></ResponseMetadata></CreateOpenIDConnectProviderResponse>`,
    );

    const got = await ok(
      iam(s, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arnOf('token.actions.githubusercontent.com') }),
    );
    const created = xmlText(got.body, 'CreateDate')!;
    assert.ok(Math.abs(Date.parse(created) - s.clock.now()) < 5000);
    assert.equal(
      got.body,
      '<GetOpenIDConnectProviderResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetOpenIDConnectProviderResult>' +
        '<Url>token.actions.githubusercontent.com</Url><ClientIDList><member>sts.amazonaws.com</member></ClientIDList>' +
        `<ThumbprintList><member>${THUMB}</member></ThumbprintList><CreateDate>${created}</CreateDate>` +
        '<Tags><member><Key>team</Key><Value>ci</Value></member></Tags>' +
        `</GetOpenIDConnectProviderResult><ResponseMetadata><RequestId>${got.headers.get('x-amzn-requestid')}</RequestId></ResponseMetadata></GetOpenIDConnectProviderResponse>`,
    );
  });

  test('a path is part of the ARN; providers are listed by ARN; a second one with the same URL is refused', async () => {
    await ok(iam(s, 'CreateOpenIDConnectProvider', { Url: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123' }));
    const dup = await iam(s, 'CreateOpenIDConnectProvider', {
      Url: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123',
    });
    assert.equal(dup.status, 409);
    assert.equal(errorCode(dup), 'EntityAlreadyExists');
    const list = await ok(iam(s, 'ListOpenIDConnectProviders', {}));
    assert.deepEqual(members(list.body, 'Arn'), [
      arnOf('oidc.eks.eu-west-1.amazonaws.com/id/ABC123'),
      arnOf('token.actions.githubusercontent.com'),
    ]);
    const got = await ok(
      iam(s, 'GetOpenIDConnectProvider', {
        OpenIDConnectProviderArn: arnOf('oidc.eks.eu-west-1.amazonaws.com/id/ABC123'),
      }),
    );
    assert.equal(xmlText(got.body, 'Url'), 'oidc.eks.eu-west-1.amazonaws.com/id/ABC123');
    assert.equal(
      got.body.includes('<ClientIDList/>') || got.body.includes('<ClientIDList></ClientIDList>'),
      true,
      got.body,
    );
  });

  test('only https URLs without query or fragment are accepted; lengths and thumbprints follow the model and the quota', async () => {
    for (const Url of [
      'http://issuer.example.com',
      'issuer.example.com',
      'https://',
      'https://issuer.example.com?x=1',
      'https://issuer.example.com#f',
      'https://u:p@issuer.example.com',
    ]) {
      const r = await iam(s, 'CreateOpenIDConnectProvider', { Url });
      assert.equal(r.status, 400, Url);
      // AWS's recorded code and words (LocalStack's test_create_open_id_connect_provider_invalid_url snapshot).
      assert.deepEqual(
        [errorCode(r), message(r.body)],
        ['ValidationError', 'Invalid Open ID Connect Provider URL'],
        Url,
      );
    }
    const short = await iam(s, 'CreateOpenIDConnectProvider', {
      Url: 'https://a.example.com',
      'ThumbprintList.member.1': 'abc',
    });
    assert.equal(
      message(short.body),
      "1 validation error detected: Value 'abc' at 'thumbprintList.1.member' failed to satisfy constraint: Member must have length greater than or equal to 40",
    );
    const six = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`ThumbprintList.member.${i + 1}`, String(i).repeat(40)]),
    );
    const many = await iam(s, 'CreateOpenIDConnectProvider', { Url: 'https://a.example.com', ...six });
    assert.deepEqual(
      [errorCode(many), message(many.body)],
      ['InvalidInput', 'Thumbprint list must contain fewer than 5 entries.'],
    );
    const long = await iam(s, 'CreateOpenIDConnectProvider', { Url: `https://${'a'.repeat(250)}.com` });
    assert.equal(
      message(long.body),
      `1 validation error detected: Value 'https://${'a'.repeat(250)}.com' at 'url' failed to satisfy constraint: Member must have length less than or equal to 255`,
    );
    const dupTags = await iam(s, 'CreateOpenIDConnectProvider', {
      Url: 'https://a.example.com',
      'Tags.member.1.Key': 'k',
      'Tags.member.1.Value': '1',
      'Tags.member.2.Key': 'K',
      'Tags.member.2.Value': '2',
    });
    assert.equal(errorCode(dupTags), 'InvalidInput');
    assert.equal(
      (await iam(s, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arnOf('a.example.com') })).status,
      404,
      'nothing was stored',
    );
  });

  test('an unknown provider is NoSuchEntity; deleting it again too, as AWS answers (not as it documents)', async () => {
    const arn = arnOf('gone.example.com');
    const r = await iam(s, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arn });
    assert.equal(r.status, 404);
    assert.deepEqual(
      [errorCode(r), message(r.body)],
      ['NoSuchEntity', `OpenIDConnect Provider not found for arn ${arn}`],
    );
    await ok(iam(s, 'CreateOpenIDConnectProvider', { Url: 'https://gone.example.com' }));
    await ok(iam(s, 'DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: arn }));
    // LocalStack's test_delete_open_id_connect_provider snapshot, recorded against AWS.
    const again = await iam(s, 'DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: arn });
    assert.deepEqual(
      [again.status, errorCode(again), message(again.body)],
      [404, 'NoSuchEntity', `OpenId connect Provider ${arn} cannot be found.`],
    );
    assert.equal((await iam(s, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arn })).status, 404);
    for (const [action, extra] of [
      ['AddClientIDToOpenIDConnectProvider', { ClientID: 'x' }],
      ['RemoveClientIDFromOpenIDConnectProvider', { ClientID: 'x' }],
      ['UpdateOpenIDConnectProviderThumbprint', { 'ThumbprintList.member.1': THUMB }],
      ['ListOpenIDConnectProviderTags', {}],
    ] as const) {
      assert.equal(
        errorCode(await iam(s, action, { OpenIDConnectProviderArn: arn, ...extra })),
        'NoSuchEntity',
        action,
      );
    }
  });
});

describe('changing a provider', () => {
  const arn = () => arnOf('idp.example.com/tenant');
  before(async () => {
    await ok(
      iam(s, 'CreateOpenIDConnectProvider', {
        Url: 'https://idp.example.com/tenant',
        'ClientIDList.member.1': 'app-1',
      }),
    );
  });

  test('client ids are added and removed idempotently', async () => {
    await ok(iam(s, 'AddClientIDToOpenIDConnectProvider', { OpenIDConnectProviderArn: arn(), ClientID: 'app-2' }));
    await ok(iam(s, 'AddClientIDToOpenIDConnectProvider', { OpenIDConnectProviderArn: arn(), ClientID: 'app-2' }));
    await ok(iam(s, 'RemoveClientIDFromOpenIDConnectProvider', { OpenIDConnectProviderArn: arn(), ClientID: 'app-1' }));
    await ok(
      iam(s, 'RemoveClientIDFromOpenIDConnectProvider', { OpenIDConnectProviderArn: arn(), ClientID: 'never-there' }),
    );
    const got = await ok(iam(s, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arn() }));
    assert.deepEqual(
      members(got.body.slice(got.body.indexOf('<ClientIDList>'), got.body.indexOf('</ClientIDList>')), 'member'),
      ['app-2'],
    );
    const long = await iam(s, 'AddClientIDToOpenIDConnectProvider', {
      OpenIDConnectProviderArn: arn(),
      ClientID: 'c'.repeat(256),
    });
    assert.equal(errorCode(long), 'ValidationError');
  });

  test('thumbprints are replaced, within the quota of five', async () => {
    await ok(
      iam(s, 'UpdateOpenIDConnectProviderThumbprint', {
        OpenIDConnectProviderArn: arn(),
        'ThumbprintList.member.1': THUMB,
        'ThumbprintList.member.2': 'f'.repeat(40),
      }),
    );
    let got = await ok(iam(s, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arn() }));
    assert.match(
      got.body,
      new RegExp(`<ThumbprintList><member>${THUMB}</member><member>${'f'.repeat(40)}</member></ThumbprintList>`),
    );
    const six = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`ThumbprintList.member.${i + 1}`, String(i).repeat(40)]),
    );
    assert.equal(
      errorCode(await iam(s, 'UpdateOpenIDConnectProviderThumbprint', { OpenIDConnectProviderArn: arn(), ...six })),
      'InvalidInput',
    );
    got = await ok(iam(s, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arn() }));
    assert.match(got.body, new RegExp(`<member>${THUMB}</member>`), 'unchanged by the refused update');
  });

  test('tags: tag, untag, list with paging', async () => {
    await ok(
      iam(s, 'TagOpenIDConnectProvider', {
        OpenIDConnectProviderArn: arn(),
        'Tags.member.1.Key': 'a',
        'Tags.member.1.Value': '1',
        'Tags.member.2.Key': 'b',
        'Tags.member.2.Value': '2',
      }),
    );
    await ok(
      iam(s, 'TagOpenIDConnectProvider', {
        OpenIDConnectProviderArn: arn(),
        'Tags.member.1.Key': 'A',
        'Tags.member.1.Value': '3',
      }),
    );
    const page = await ok(iam(s, 'ListOpenIDConnectProviderTags', { OpenIDConnectProviderArn: arn(), MaxItems: 1 }));
    assert.deepEqual(members(page.body, 'Key'), ['b']);
    assert.equal(xmlText(page.body, 'IsTruncated'), 'true');
    await ok(iam(s, 'UntagOpenIDConnectProvider', { OpenIDConnectProviderArn: arn(), 'TagKeys.member.1': 'b' }));
    const all = await ok(iam(s, 'ListOpenIDConnectProviderTags', { OpenIDConnectProviderArn: arn() }));
    assert.deepEqual([members(all.body, 'Key'), members(all.body, 'Value')], [['A'], ['3']]);
  });
});

test('authorized like every IAM action: a user needs iam:*OpenIDConnectProvider on the provider ARN', async () => {
  const r = await iam(s, 'CreateOpenIDConnectProvider', { Url: 'https://alice.example.com' }, alice);
  assert.equal(r.status, 403);
  assert.equal(
    message(r.body),
    `User: arn:aws:iam::${account}:user/alice is not authorized to perform: iam:CreateOpenIDConnectProvider on resource: ${arnOf('alice.example.com')} because no identity-based policy allows the iam:CreateOpenIDConnectProvider action`,
  );
  await ok(
    iam(s, 'PutUserPolicy', {
      UserName: 'alice',
      PolicyName: 'oidc',
      PolicyDocument: policy(
        allow(
          ['iam:CreateOpenIDConnectProvider', 'iam:GetOpenIDConnectProvider'],
          `arn:aws:iam::${account}:oidc-provider/alice.example.com`,
        ),
      ),
    }),
  );
  await ok(iam(s, 'CreateOpenIDConnectProvider', { Url: 'https://alice.example.com' }, alice));
  await ok(iam(s, 'GetOpenIDConnectProvider', { OpenIDConnectProviderArn: arnOf('alice.example.com') }, alice));
  assert.equal((await iam(s, 'ListOpenIDConnectProviders', {}, alice)).status, 403);
  assert.equal(
    (await iam(s, 'DeleteOpenIDConnectProvider', { OpenIDConnectProviderArn: arnOf('alice.example.com') }, alice))
      .status,
    403,
  );
});
