/** Helpers for tests of roles, policies and MFA over raw HTTP. */
import { HOTP, Secret } from 'otpauth';
import { authorize } from '../../src/service/authorize.js';
import type { Call } from '../../src/service/operation.js';
import { sessionPrincipal } from '../../src/server/authenticate.js';
import type { Credentials } from '../../src/sigv4/index.js';
import { call, xmlText, type RawReply } from './query.js';
import type { TestServer } from './server.js';

export type Params = Record<string, string | number>;

/** An IAM call, as the root unless other credentials are given. */
export const iam = (s: TestServer, action: string, params: Params, creds: Credentials = s.root): Promise<RawReply> =>
  call(s, action, params, creds, { service: 'iam' });

/** Fails the test with the reply when it is not a 200. */
export async function ok(p: Promise<RawReply>): Promise<RawReply> {
  const r = await p;
  if (r.status !== 200) throw new Error(`expected 200, got ${r.status}: ${r.body}`);
  return r;
}

export const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
export const allow = (action: string | string[], resource: string | string[] = '*', condition?: object) => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
  ...(condition ? { Condition: condition } : {}),
});
export const deny = (action: string | string[], resource: string | string[] = '*', condition?: object) => ({
  Effect: 'Deny',
  Action: action,
  Resource: resource,
  ...(condition ? { Condition: condition } : {}),
});

/** A trust policy statement letting these AWS principals assume the role (and tag sessions, set source identity). */
export const trust = (principal: string | string[], actions: string[] = ['sts:AssumeRole'], condition?: object) =>
  policy({
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: actions,
    ...(condition ? { Condition: condition } : {}),
  });

export async function createRole(
  s: TestServer,
  name: string,
  trustPolicy: string,
  extra: Params = {},
): Promise<string> {
  const r = await ok(iam(s, 'CreateRole', { RoleName: name, AssumeRolePolicyDocument: trustPolicy, ...extra }));
  return xmlText(r.body, 'Arn')!;
}

export function credentialsOf(body: string): Credentials {
  return {
    accessKeyId: xmlText(body, 'AccessKeyId')!,
    secretAccessKey: xmlText(body, 'SecretAccessKey')!,
    sessionToken: xmlText(body, 'SessionToken')!,
  };
}

/** AssumeRole, returning the reply; `sessionOf` turns a 200 into credentials. */
export const assumeRole = (s: TestServer, creds: Credentials, roleArn: string, params: Params = {}) =>
  call(s, 'AssumeRole', { RoleArn: roleArn, RoleSessionName: 'test-session', ...params }, creds);

export async function assumed(
  s: TestServer,
  creds: Credentials,
  roleArn: string,
  params: Params = {},
): Promise<Credentials> {
  return credentialsOf((await ok(assumeRole(s, creds, roleArn, params))).body);
}

/** The TOTP code of a Base32 seed at a time (ms), as an authenticator app computes it. */
export function totp(seed: string, at: number): string {
  return HOTP.generate({
    secret: Secret.fromBase32(seed),
    counter: Math.floor(at / 30_000),
    algorithm: 'SHA1',
    digits: 6,
  });
}

export const accountOf = (s: TestServer) => s.running.app.accountId;

/**
 * Whether the policy engine lets these session credentials do an action, for actions no operation of ours performs
 * (s3:GetObject...): the authorization code the server runs, called in process. True, or the refusal's message.
 */
export async function allowed(
  s: TestServer,
  creds: Credentials,
  action: string,
  resource: string,
): Promise<string | true> {
  const { app } = s.running;
  const session = (await app.tokens.decode(creds.accessKeyId, creds.sessionToken!))!;
  const c: Call = {
    input: {},
    app,
    caller: { principal: await sessionPrincipal(app, session), accessKeyId: creds.accessKeyId, session },
    request: { id: 'test', region: 'us-east-1', sourceIp: '127.0.0.1', secureTransport: false, time: s.clock.now() },
  };
  try {
    await authorize(c, action, resource);
    return true;
  } catch (err) {
    return (err as Error).message;
  }
}
