/**
 * What a request says comes back only as well-formed XML (control characters and what else XML 1.0 cannot carry
 * replaced by U+FFFD, markup escaped, long values cut), and identifiers are checked before anything is looked up with
 * them: a session token opens for no access key id but its own, however the id is spelt.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { models } from '../../src/protocol/model.js';
import { parseXml, textAt } from '../../src/client/xml-parser.js';
import { escapeXml } from '../../src/protocol/xml-response.js';
import { auditEvent, type AuditEvent } from '../../src/server/audit-event.js';
import type { Reply } from '../../src/server/dispatch.js';
import { signRequest, type Credentials } from '../../src/sigv4/index.js';
import { call, presign, sessionFor, type RawReply } from '../helpers/query.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { xmlError } from '../helpers/strict-xml.js';

const NOW = Date.parse('2026-03-01T03:00:00.000Z');
const STS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const IAM = 'https://iam.amazonaws.com/doc/2010-05-08/';
const dir = mkdtempSync(join(tmpdir(), 'opensts-hostile-'));
const auditPath = join(dir, 'audit.jsonl');
let s: TestServer;

before(async () => {
  s = await startTestServer({ auditLog: auditPath });
  s.clock.freeze(NOW);
});
after(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The exact error document, after checking a strict XML 1.0 parser reads the body (`'` in `message` stands for `&apos;`). */
function assertError(
  r: RawReply,
  status: number,
  namespace: string,
  code: string,
  message: string,
  type = 'Sender',
): void {
  assert.equal(xmlError(r.body), undefined, r.body);
  assert.equal(r.status, status, r.body);
  assert.equal(
    r.body,
    `<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message.replaceAll("'", '&apos;')}</Message>` +
      `</Error><RequestId>${r.headers.get('x-amzn-requestid')}</RequestId></ErrorResponse>`,
  );
}

async function rawGet(target: string, headers: Record<string, string> = {}): Promise<RawReply> {
  const res = await fetch(s.url + target, { headers });
  return { status: res.status, headers: res.headers, body: await res.text() };
}

test('escapeXml: every UTF-16 code unit alone, and every kind of pair, gives text a strict parser reads back', () => {
  let doc = '<a>';
  const expected: string[] = [];
  for (let c = 0; c <= 0xffff; c++) {
    const ch = String.fromCharCode(c);
    doc += `<c>${escapeXml(ch)}</c>`;
    const allowed = c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd);
    expected.push(allowed ? ch : '\ufffd');
  }
  doc += '</a>';
  assert.equal(xmlError(doc), undefined);
  // Read back with the parser the client ships (it decodes &#13; and the named entities).
  const texts = [...doc.matchAll(/<c>(.*?)<\/c>/gs)].map((m) =>
    m[1]!
      .replace(/&#13;/g, '\r')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, '&'),
  );
  assert.deepEqual(texts, expected);
  assert.equal(escapeXml('a😀b'), 'a😀b');
  assert.equal(escapeXml('\ud83d'), '\ufffd');
  assert.equal(escapeXml('\ude00\ud83d'), '\ufffd\ufffd');
  assert.equal(escapeXml('x\ud83d\ude00\ud83d'), 'x😀\ufffd');
  assert.equal(escapeXml(']]>&<"\'\r\n\t'), ']]&gt;&amp;&lt;&quot;&apos;&#13;\n\t');
  const clean = 'AKIAIOSFODNN7EXAMPLE arn:aws:iam::123456789012:user/a-b_c@d.e';
  assert.equal(escapeXml(clean), clean);
});

test('a control character in a parameter comes back in the ValidationError as U+FFFD, markup escaped', async () => {
  const r = await call(s, 'CreateUser', { UserName: 'a\u0000b\u0001<&]]>\uFFFE\r' }, s.root, { service: 'iam' });
  assertError(
    r,
    400,
    IAM,
    'ValidationError',
    "1 validation error detected: Value 'a\uFFFDb\uFFFD&lt;&amp;]]&gt;\uFFFD&#13;' at 'userName' failed to satisfy constraint: " +
      'Member must satisfy regular expression pattern: [\\w+=,.@-]+',
  );
  // The SDK's own parser reads it back.
  assert.equal(
    textAt(parseXml(r.body), 'Error', 'Message'),
    "1 validation error detected: Value 'a\uFFFDb\uFFFD<&]]>\uFFFD\r' at 'userName' " +
      'failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+',
  );
});

test('the action name in InvalidAction and a repeated parameter name in MalformedQueryString are escaped', async () => {
  assertError(
    await call(s, 'Get\u0001<Caller>', {}, s.root),
    400,
    STS,
    'InvalidAction',
    'Could not find operation Get\uFFFD&lt;Caller&gt; for version 2011-06-15',
  );
  assertError(
    await rawGet('/?Action=GetCallerIdentity&Version=2011-06-15&%00%3C=1&%00%3C=2'),
    400,
    STS,
    'MalformedQueryString',
    'The parameter \uFFFD&lt; appears more than once',
  );
});

test('header- and query-borne authentication values are escaped in IncompleteSignature', async () => {
  const credential = `${s.root.accessKeyId}/20260301/us-east-1/sts/aws4_request`;
  const auth = `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent(credential)}&X-Amz-SignedHeaders=host&X-Amz-Signature=00`;
  assertError(
    await rawGet(`/?Action=GetCallerIdentity&Version=2011-06-15&${auth}&X-Amz-Date=%00%01%3C%26`),
    400,
    STS,
    'IncompleteSignature',
    "Date must be in ISO-8601 'basic format'. Got '\uFFFD\uFFFD&lt;&amp;'. See http://en.wikipedia.org/wiki/ISO_8601",
  );
  assertError(
    await rawGet(
      '/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=%01%3C%2Fa&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Date=20260301T030000Z',
    ),
    400,
    STS,
    'IncompleteSignature',
    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '\uFFFD&lt;/a'",
  );
  // Header values cannot carry controls (the HTTP layer refuses them), but they can carry markup.
  const authorization = `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host, Signature=<&>, ]]>`;
  assertError(
    await rawGet('/?Action=GetCallerIdentity&Version=2011-06-15', { authorization, 'x-amz-date': '20260301T030000Z' }),
    400,
    STS,
    'IncompleteSignature',
    `']]&gt;' not a valid key=value pair (missing equal-sign) in Authorization header: '${escapeXml(authorization)}'`,
  );
  assertError(
    await rawGet('/?Action=GetCallerIdentity&Version=2011-06-15', {
      authorization: `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host, Signature=00`,
      date: 'Sun, <06> Nov & 1994',
    }),
    400,
    STS,
    'IncompleteSignature',
    "Date header must be in RFC 1123 format, e.g. 'Sun, 06 Nov 1994 08:49:37 GMT'. Got 'Sun, &lt;06&gt; Nov &amp; 1994'.",
  );
});

test('an error quotes at most 512 characters of a value, and lists at most 100 violations', async () => {
  const long = await call(s, 'CreateUser', { UserName: 'x'.repeat(100_000) }, s.root, { service: 'iam' });
  assertError(
    long,
    400,
    IAM,
    'ValidationError',
    `1 validation error detected: Value '${'x'.repeat(512)}...(100000 characters)' at 'userName' ` +
      'failed to satisfy constraint: Member must have length less than or equal to 64',
  );
  // A value cut after a high surrogate is cut before it: no half character.
  const emoji = await call(s, 'CreateUser', { UserName: 'x'.repeat(511) + '😀'.repeat(10) }, s.root, {
    service: 'iam',
  });
  assert.match(emoji.body, new RegExp(`Value &apos;${'x'.repeat(511)}\\.\\.\\.\\(531 characters\\)&apos;`));
  const tags: Record<string, string> = { UserName: 'many' };
  for (let i = 1; i <= 150; i++)
    Object.assign(tags, { [`Tags.member.${i}.Key`]: `\u0000${i}`, [`Tags.member.${i}.Value`]: 'v' });
  const many = await call(s, 'CreateUser', tags, s.root, { service: 'iam' });
  assert.equal(xmlError(many.body), undefined);
  const message = /<Message>(.*)<\/Message>/s.exec(many.body)![1]!;
  assert.match(message, /^151 validation errors detected: /);
  assert.equal(message.split('failed to satisfy constraint').length - 1, 100);
  assert.match(message, /; and 51 more$/);
});

/** The id with one character swapped for one whose latin1 low byte is the original (`Œ` U+0152 for `R`). */
function forge(id: string): string {
  const i = id.includes('R') ? id.indexOf('R') : 4;
  return id.slice(0, i) + String.fromCharCode(0x100 + id.charCodeAt(i)) + id.slice(i + 1);
}

test('a session token is refused with an access key id it was not issued for, however close its bytes, and the audit log names no forged id', async () => {
  const session = await sessionFor(s, s.root);
  const forged: Credentials = { ...session, accessKeyId: forge(session.accessKeyId) };
  assert.notEqual(forged.accessKeyId, session.accessKeyId);
  // The genuine id, presigned, works: the refusal below is about the id alone.
  assert.equal(
    (await rawGet(new URL(presign(s, 'GetCallerIdentity', session, NOW)).search.replace(/^/, '/'))).status,
    200,
  );
  const r = await rawGet(new URL(presign(s, 'GetCallerIdentity', forged, NOW)).search.replace(/^/, '/'));
  // UNCONFIRMED: AWS's code for an id outside [\w]{16,128}; an unknown id is InvalidClientTokenId.
  assertError(r, 403, STS, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  // Signed in the Authorization header, the id's UTF-8 bytes arrive read as latin1 (`Å\x92`): refused too.
  const headers = signRequest({
    method: 'GET',
    url: '/?Action=GetCallerIdentity&Version=2011-06-15',
    headers: { host: s.host },
    credentials: forged,
    region: 'us-east-1',
    service: 'sts',
    now: new Date(NOW),
  });
  const latin1 = Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('latin1')]),
  );
  assertError(
    await rawGet('/?Action=GetCallerIdentity&Version=2011-06-15', latin1),
    403,
    STS,
    'InvalidClientTokenId',
    'The security token included in the request is invalid.',
  );

  await s.running.audit!.flush();
  const events = readFileSync(auditPath, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEvent);
  const event = events.find((e) => e.requestID === r.headers.get('x-amzn-requestid'))!;
  assert.deepEqual(event.userIdentity, { type: 'Unknown' });
  assert.equal(event.errorCode, 'InvalidClientTokenId');
  for (const e of events) assert.ok(!JSON.stringify(e).includes(forged.accessKeyId), JSON.stringify(e));
});

test('access key ids outside the model syntax are refused before any lookup, with or without a token', async () => {
  for (const accessKeyId of [
    'AKIA-NOT-A-KEY-ID-00',
    'AKIASHORT',
    'AKIA' + 'A'.repeat(125),
    'AKIA\u00e9XAMPLEEXAMPLE',
  ]) {
    const r = await call(
      s,
      'GetCallerIdentity',
      {},
      { accessKeyId, secretAccessKey: 'x'.repeat(40) },
      { method: 'GET' },
    );
    assertError(r, 403, STS, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
});

test('model patterns all compile in u mode, and \\w in them is ASCII as in Java', () => {
  const { sts, iam } = models();
  for (const model of [sts, iam]) {
    for (const [name, shape] of Object.entries(model.shapes))
      if (shape.pattern) assert.ok(model.patterns.get(name)?.unicode, name);
  }
  const federated = sts.patterns.get('federatedIdType')!; // [\w+=,.@\:-]*, which u mode refuses as written
  assert.ok(federated.test('a:b@c.d'));
  const name = iam.patterns.get('existingUserNameType')!;
  for (const bad of ['Œ', 'é', '\u01c5', '\u212a', '\u0663', 'a b']) {
    assert.equal(name.test(bad), false, bad);
    assert.equal(federated.test(bad), false, bad);
  }
});

test('the audit log records no lone surrogate (strict JSON readers refuse its escape), also where a cut splits a pair', () => {
  const reply: Reply = {
    status: 200,
    body: '',
    requestId: 'r',
    service: 'iam',
    operation: 'CreateUser',
    time: NOW,
    input: { UserName: 'a\ud800b', Path: '/' + '😀'.repeat(600) },
  };
  const event = auditEvent(reply, { sourceIp: '127.0.0.1', userAgent: 'x\udfff', accountId: '123456789012' });
  assert.deepEqual(event.requestParameters, {
    userName: 'a\ufffdb',
    path: '/' + '😀'.repeat(511) + '\ufffd...(1201 characters)',
  });
  assert.equal(event.userAgent, 'x\ufffd');
  assert.doesNotMatch(JSON.stringify(event), /\\ud[89a-f]/i);
});
