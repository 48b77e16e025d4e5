/**
 * IAM SAML providers: exact wire output over raw HTTP, metadata checked when stored, AWS's errors and quota, tags,
 * authorization, and the stock aws CLI and boto3 managing them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { aws, boto3 } from '../helpers/clients.js';
import { accountOf, allow, iam, ok, policy } from '../helpers/iam.js';
import { createUserWithKey, errorCode, xmlText, type RawReply } from '../helpers/query.js';
import { makeTestIdp, type TestIdp } from '../helpers/saml-idp.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let account: string;
let idp: TestIdp;
let alice: Credentials;
const dir = mkdtempSync(join(tmpdir(), 'opensts-saml-providers-'));

before(async () => {
  s = await startTestServer();
  account = accountOf(s);
  idp = makeTestIdp();
  alice = await createUserWithKey(s, 'alice');
});
after(() => s.close());

const message = (body: string) => xmlText(body, 'Message');
const refusal = (r: RawReply) => [r.status, errorCode(r), message(r.body)];
const members = (body: string, tag: string) =>
  [...body.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);
const arnOf = (name: string) => `arn:aws:iam::${account}:saml-provider/${name}`;
const escaped = (xml: string) =>
  xml.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Pads a metadata document past the model's 1,000-character minimum with a comment, so that a test can check the content. */
const padded = (xml: string) => (xml.length >= 1000 ? xml : `${xml}<!--${'x'.repeat(1000 - xml.length)}-->`);

describe('create, get, list, update, delete', () => {
  test('CreateSAMLProvider answers the ARN and the tags; GetSAMLProvider the document, dates and tags', async () => {
    const metadata = idp.metadata({ validUntil: '2030-01-01T00:00:00Z' });
    const r = await ok(
      iam(s, 'CreateSAMLProvider', {
        Name: 'Okta',
        SAMLMetadataDocument: metadata,
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'it',
      }),
    );
    assert.equal(
      r.body,
      '<CreateSAMLProviderResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateSAMLProviderResult>' +
        `<SAMLProviderArn>${arnOf('Okta')}</SAMLProviderArn><Tags><member><Key>team</Key><Value>it</Value></member></Tags>` +
        `</CreateSAMLProviderResult><ResponseMetadata><RequestId>${r.headers.get('x-amzn-requestid')}</RequestId></ResponseMetadata></CreateSAMLProviderResponse>`,
    );
    const got = await ok(iam(s, 'GetSAMLProvider', { SAMLProviderArn: arnOf('Okta') }));
    const created = xmlText(got.body, 'CreateDate')!;
    assert.ok(Math.abs(Date.parse(created) - s.clock.now()) < 5000);
    assert.equal(
      got.body,
      '<GetSAMLProviderResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetSAMLProviderResult>' +
        `<SAMLMetadataDocument>${escaped(metadata)}</SAMLMetadataDocument><CreateDate>${created}</CreateDate><ValidUntil>2030-01-01T00:00:00Z</ValidUntil>` +
        // An empty PrivateKeyList, as AWS sends it (LocalStack's recorded test_get_saml_provider snapshot).
        '<Tags><member><Key>team</Key><Value>it</Value></member></Tags><PrivateKeyList></PrivateKeyList>' +
        `</GetSAMLProviderResult><ResponseMetadata><RequestId>${got.headers.get('x-amzn-requestid')}</RequestId></ResponseMetadata></GetSAMLProviderResponse>`,
    );
  });

  test('providers are listed by ARN; a second one with the same name is refused; UpdateSAMLProvider replaces the document', async () => {
    await ok(iam(s, 'CreateSAMLProvider', { Name: 'ADFS', SAMLMetadataDocument: idp.metadata() }));
    const dup = await iam(s, 'CreateSAMLProvider', { Name: 'ADFS', SAMLMetadataDocument: idp.metadata() });
    // UNCONFIRMED wording.
    assert.deepEqual(refusal(dup), [409, 'EntityAlreadyExists', 'SAMLProvider ADFS already exists.']);
    const list = await ok(iam(s, 'ListSAMLProviders', {}));
    assert.deepEqual(members(list.body, 'Arn'), [arnOf('ADFS'), arnOf('Okta')]);
    assert.equal(
      members(list.body, 'ValidUntil').length,
      1,
      'only the document with validUntil has one (UNCONFIRMED: AWS may set one always)',
    );

    const rotated = makeTestIdp('https://adfs.example.com/adfs/services/trust');
    const up = await ok(
      iam(s, 'UpdateSAMLProvider', { SAMLProviderArn: arnOf('ADFS'), SAMLMetadataDocument: rotated.metadata() }),
    );
    assert.equal(xmlText(up.body, 'SAMLProviderArn'), arnOf('ADFS'));
    const got = await ok(iam(s, 'GetSAMLProvider', { SAMLProviderArn: arnOf('ADFS') }));
    assert.match(got.body, /adfs\/services\/trust/);
    const bad = await iam(s, 'UpdateSAMLProvider', {
      SAMLProviderArn: arnOf('ADFS'),
      SAMLMetadataDocument: padded('<x/>'),
    });
    assert.equal(errorCode(bad), 'InvalidInput');
    assert.match(
      (await ok(iam(s, 'GetSAMLProvider', { SAMLProviderArn: arnOf('ADFS') }))).body,
      /adfs\/services\/trust/,
      'unchanged',
    );
  });

  test('an unknown provider is NoSuchEntity for Get, Update and Delete (the model lists it for Delete)', async () => {
    const arn = arnOf('Gone');
    // UNCONFIRMED wording.
    const notFound = [404, 'NoSuchEntity', `Manifest not found for arn ${arn}`];
    assert.deepEqual(refusal(await iam(s, 'GetSAMLProvider', { SAMLProviderArn: arn })), notFound);
    assert.deepEqual(
      refusal(await iam(s, 'UpdateSAMLProvider', { SAMLProviderArn: arn, SAMLMetadataDocument: idp.metadata() })),
      notFound,
    );
    assert.deepEqual(refusal(await iam(s, 'DeleteSAMLProvider', { SAMLProviderArn: arn })), notFound);
    await ok(iam(s, 'CreateSAMLProvider', { Name: 'Gone', SAMLMetadataDocument: idp.metadata() }));
    await ok(iam(s, 'DeleteSAMLProvider', { SAMLProviderArn: arn }));
    assert.deepEqual(refusal(await iam(s, 'DeleteSAMLProvider', { SAMLProviderArn: arn })), notFound, 'deleted once');
    assert.equal(
      (await iam(s, 'GetSAMLProvider', { SAMLProviderArn: arnOf('Okta').replace(account, '999999999999') })).status,
      404,
      "another account's",
    );
  });
});

describe('metadata is checked when it is stored', () => {
  const create = (name: string, doc: string) => iam(s, 'CreateSAMLProvider', { Name: name, SAMLMetadataDocument: doc });

  test('documents AssumeRoleWithSAML could not use are InvalidInput with the reason; nothing is stored', async () => {
    // UNCONFIRMED: AWS answers "Could not parse metadata"; the reason after it is ours.
    const good = idp.metadata();
    const cases: Array<[string, RegExp]> = [
      [padded('this is not XML at all'), /^Could not parse metadata: it is not/],
      [
        padded(
          '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><unclosed></md:EntityDescriptor>',
        ),
        /not well-formed/,
      ],
      [`<!DOCTYPE md [<!ENTITY x "y">]>${good}`, /a document type declaration \(DOCTYPE or ENTITY\) is not allowed/],
      [good.replace(/md:EntityDescriptor/g, 'md:EntitiesDescriptor'), /the root element must be an EntityDescriptor/],
      [good.replace(/ entityID="[^"]+"/, ''), /has no entityID/],
      [good.replace(/md:IDPSSODescriptor/g, 'md:SPSSODescriptor'), /has no IDPSSODescriptor/],
      [idp.metadata({ use: 'encryption' }), /no signing X\.509 certificate/],
      [good.replace(/<ds:X509Certificate>[^<]+/, '<ds:X509Certificate>!!!not-base64!!!'), /not base64/],
      [
        good.replace(
          /<ds:X509Certificate>[^<]+/,
          `<ds:X509Certificate>${Buffer.from('x'.repeat(900)).toString('base64')}`,
        ),
        /not a valid DER certificate/,
      ],
      [idp.metadata({ validUntil: 'tomorrow' }), /validUntil tomorrow is not a date/],
    ];
    // Padded where a change made the document shorter than the model's minimum, so that the content is what fails.
    for (const [i, [doc, reason]] of cases.entries()) {
      const r = await create(`Bad${i}`, padded(doc));
      assert.deepEqual([r.status, errorCode(r)], [400, 'InvalidInput'], doc.slice(0, 120));
      assert.match(message(r.body)!, reason, doc.slice(0, 120));
      assert.equal((await iam(s, 'GetSAMLProvider', { SAMLProviderArn: arnOf(`Bad${i}`) })).status, 404);
    }
    // A KeyDescriptor without `use` serves for signing too.
    await ok(create('NoUse', idp.metadata({ use: '' })));
  });

  test("the model's limits (length of the document, the name's pattern), duplicate tag keys, and encryption settings", async () => {
    const short = await create('Short', '<x/>');
    assert.equal(errorCode(short), 'ValidationError');
    assert.match(
      message(short.body)!,
      /at 'sAMLMetadataDocument' failed to satisfy constraint: Member must have length greater than or equal to 1000/,
    );
    assert.equal(errorCode(await create('has space', idp.metadata())), 'ValidationError');
    const tags = await iam(s, 'CreateSAMLProvider', {
      Name: 'Tags',
      SAMLMetadataDocument: idp.metadata(),
      'Tags.member.1.Key': 'k',
      'Tags.member.1.Value': '1',
      'Tags.member.2.Key': 'K',
      'Tags.member.2.Value': '2',
    });
    assert.equal(errorCode(tags), 'InvalidInput');
    // Ours: encryption is not supported, and asking for it is refused rather than ignored.
    const encrypted = await iam(s, 'CreateSAMLProvider', {
      Name: 'Enc',
      SAMLMetadataDocument: idp.metadata(),
      AssertionEncryptionMode: 'Required',
    });
    assert.deepEqual([encrypted.status, errorCode(encrypted)], [400, 'InvalidInput']);
    assert.match(message(encrypted.body)!, /encryption .* is not supported/);
  });

  test('at most 100 providers per account (LimitExceeded)', async () => {
    const s2 = await startTestServer();
    try {
      const doc = idp.metadata();
      for (let i = 0; i < 100; i++)
        await ok(iam(s2, 'CreateSAMLProvider', { Name: `p${i}`, SAMLMetadataDocument: doc }));
      // UNCONFIRMED wording; the quota of 100 is AWS's documented one.
      assert.deepEqual(refusal(await iam(s2, 'CreateSAMLProvider', { Name: 'p100', SAMLMetadataDocument: doc })), [
        409,
        'LimitExceeded',
        'Cannot exceed quota for SAMLProvidersPerAccount: 100',
      ]);
    } finally {
      await s2.close();
    }
  });
});

describe('tags and authorization', () => {
  test('TagSAMLProvider, UntagSAMLProvider, ListSAMLProviderTags', async () => {
    const arn = arnOf('Okta');
    await ok(
      iam(s, 'TagSAMLProvider', {
        SAMLProviderArn: arn,
        'Tags.member.1.Key': 'env',
        'Tags.member.1.Value': 'prod',
        'Tags.member.2.Key': 'TEAM',
        'Tags.member.2.Value': 'sec',
      }),
    );
    await ok(iam(s, 'UntagSAMLProvider', { SAMLProviderArn: arn, 'TagKeys.member.1': 'env' }));
    const list = await ok(iam(s, 'ListSAMLProviderTags', { SAMLProviderArn: arn }));
    assert.deepEqual(members(list.body, 'Key'), ['TEAM'], 'TEAM replaced team (keys compare case-insensitively)');
    assert.equal(xmlText(list.body, 'IsTruncated'), 'false');
    assert.equal((await iam(s, 'ListSAMLProviderTags', { SAMLProviderArn: arnOf('Nope') })).status, 404);
  });

  test("a user needs the iam: permission on the provider's ARN", async () => {
    const denied = await iam(s, 'GetSAMLProvider', { SAMLProviderArn: arnOf('Okta') }, alice);
    assert.deepEqual([denied.status, errorCode(denied)], [403, 'AccessDenied']);
    assert.match(
      message(denied.body)!,
      new RegExp(`is not authorized to perform: iam:GetSAMLProvider on resource: ${arnOf('Okta')}`),
    );
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'alice',
        PolicyName: 'saml',
        PolicyDocument: policy(
          allow(
            ['iam:GetSAMLProvider', 'iam:ListSAMLProviders'],
            [arnOf('Okta'), `arn:aws:iam::${account}:saml-provider/`],
          ),
        ),
      }),
    );
    await ok(iam(s, 'GetSAMLProvider', { SAMLProviderArn: arnOf('Okta') }, alice));
    await ok(iam(s, 'ListSAMLProviders', {}, alice));
    assert.equal((await iam(s, 'GetSAMLProvider', { SAMLProviderArn: arnOf('ADFS') }, alice)).status, 403);
    assert.equal(
      (await iam(s, 'CreateSAMLProvider', { Name: 'Mine', SAMLMetadataDocument: idp.metadata() }, alice)).status,
      403,
    );
  });
});

describe('the stock clients', () => {
  test('aws CLI: create-saml-provider from a file, get, list, update, delete; bad metadata and a missing provider', async () => {
    const file = join(dir, 'metadata.xml');
    writeFileSync(file, idp.metadata());
    const created = await aws(
      s,
      s.root,
      [
        'iam',
        'create-saml-provider',
        '--name',
        'CliIdP',
        '--saml-metadata-document',
        `file://${file}`,
        '--tags',
        'Key=owner,Value=cli',
      ],
      'us-east-1',
    );
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(created.json, { SAMLProviderArn: arnOf('CliIdP'), Tags: [{ Key: 'owner', Value: 'cli' }] });
    const got = await aws(s, s.root, ['iam', 'get-saml-provider', '--saml-provider-arn', arnOf('CliIdP')], 'us-east-1');
    assert.equal(got.json.SAMLMetadataDocument, idp.metadata());
    assert.ok(got.json.CreateDate);
    const listed = await aws(s, s.root, ['iam', 'list-saml-providers'], 'us-east-1');
    assert.ok(listed.json.SAMLProviderList.some((p: { Arn: string }) => p.Arn === arnOf('CliIdP')));
    writeFileSync(file, makeTestIdp('https://rotated.example.com').metadata());
    const updated = await aws(
      s,
      s.root,
      [
        'iam',
        'update-saml-provider',
        '--saml-provider-arn',
        arnOf('CliIdP'),
        '--saml-metadata-document',
        `file://${file}`,
      ],
      'us-east-1',
    );
    assert.deepEqual(updated.json, { SAMLProviderArn: arnOf('CliIdP') });
    writeFileSync(file, padded('<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>'));
    const bad = await aws(
      s,
      s.root,
      ['iam', 'create-saml-provider', '--name', 'CliBad', '--saml-metadata-document', `file://${file}`],
      'us-east-1',
    );
    assert.match(
      bad.stderr,
      /An error occurred \(InvalidInput\) when calling the CreateSAMLProvider operation: Could not parse metadata: it has no IDPSSODescriptor/,
    );
    const deleted = await aws(
      s,
      s.root,
      ['iam', 'delete-saml-provider', '--saml-provider-arn', arnOf('CliIdP')],
      'us-east-1',
    );
    assert.equal(deleted.code, 0, deleted.stderr);
    const missing = await aws(
      s,
      s.root,
      ['iam', 'delete-saml-provider', '--saml-provider-arn', arnOf('CliIdP')],
      'us-east-1',
    );
    assert.match(missing.stderr, /An error occurred \(NoSuchEntity\) when calling the DeleteSAMLProvider operation/);
  });

  test('boto3: create, get, list, update, tags, delete, and the errors as ClientError codes', async () => {
    const r = await boto3(
      s,
      s.root,
      `
arn = iam.create_saml_provider(Name="BotoIdP", SAMLMetadataDocument=params["metadata"])["SAMLProviderArn"]
got = iam.get_saml_provider(SAMLProviderArn=arn)
listed = [p["Arn"] for p in iam.list_saml_providers()["SAMLProviderList"]]
iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=params["metadata"])
iam.tag_saml_provider(SAMLProviderArn=arn, Tags=[{"Key": "k", "Value": "v"}])
tags = iam.list_saml_provider_tags(SAMLProviderArn=arn)["Tags"]
errors = []
for call in (lambda: iam.create_saml_provider(Name="BotoIdP", SAMLMetadataDocument=params["metadata"]),
             lambda: iam.create_saml_provider(Name="BotoBad", SAMLMetadataDocument="<x/>" + " " * 1000)):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        errors.append(e.response["Error"]["Code"])
iam.delete_saml_provider(SAMLProviderArn=arn)
try:
    iam.get_saml_provider(SAMLProviderArn=arn)
except iam.exceptions.NoSuchEntityException as e:
    errors.append("NoSuchEntity")
out({"arn": arn, "same": got["SAMLMetadataDocument"] == params["metadata"], "created": "CreateDate" in got, "listed": arn in listed, "tags": tags, "errors": errors})
`,
      { metadata: idp.metadata() },
      'us-east-1',
    );
    assert.deepEqual(r, {
      arn: arnOf('BotoIdP'),
      same: true,
      created: true,
      listed: true,
      tags: [{ Key: 'k', Value: 'v' }],
      errors: ['EntityAlreadyExists', 'InvalidInput', 'NoSuchEntity'],
    });
  });
});
