/**
 * Virtual MFA over raw HTTP: creating a device (seed and QR code), enabling it with two consecutive codes, using
 * codes with GetSessionToken and AssumeRole (each code once, within a step of now), aws:MultiFactorAuthPresent in
 * the resulting sessions, and the device's lifecycle. Codes are computed at the server clock's time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Credentials } from '../../src/sigv4/index.js';
import { call, createUserWithKey, errorCode, xmlText } from '../helpers/query.js';
import {
  accountOf,
  allow,
  assumeRole,
  createRole,
  credentialsOf,
  iam,
  ok,
  policy,
  totp,
  trust,
} from '../helpers/iam.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
let account: string;
let dana: Credentials;
let serial: string;
let seed: string;

const STEP = 30_000;
const message = (body: string) => xmlText(body, 'Message');
const INVALID = 'MultiFactorAuthentication failed with invalid MFA one time pass code. ';
const UNBOUND =
  'MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.';

before(async () => {
  s = await startTestServer();
  // Codes depend on the time step: start each run at the beginning of one.
  s.clock.freeze(Math.ceil(Date.now() / STEP) * STEP + 1000);
  account = accountOf(s);
  dana = await createUserWithKey(s, 'dana');
});
after(() => s.close());

/** Moves to the next time step, so a fresh code exists. */
const nextStep = () => s.clock.advance(STEP);

describe('devices', () => {
  test('CreateVirtualMFADevice answers the serial number, the Base32 seed and a PNG, as blobs', async () => {
    const r = await ok(iam(s, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'dana-phone' }));
    serial = xmlText(r.body, 'SerialNumber')!;
    assert.equal(serial, `arn:aws:iam::${account}:mfa/dana-phone`);
    seed = Buffer.from(xmlText(r.body, 'Base32StringSeed')!, 'base64').toString('ascii');
    assert.match(seed, /^[A-Z2-7]{64}$/);
    const png = Buffer.from(xmlText(r.body, 'QRCodePNG')!, 'base64');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const dup = await iam(s, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'dana-phone' });
    assert.equal(dup.status, 409);
    // AWS's words (LocalStack's recorded test_virtual_mfa_device_errors snapshot).
    assert.equal(message(dup.body), 'MFA device already exists.');
    const unassigned = await ok(iam(s, 'ListVirtualMFADevices', { AssignmentStatus: 'Unassigned' }));
    assert.match(
      unassigned.body,
      new RegExp(`<VirtualMFADevices><member><SerialNumber>${serial}</SerialNumber></member></VirtualMFADevices>`),
    );
  });

  test("a device name too long for its QR code is refused, and nothing is stored (UNCONFIRMED: AWS's maximum)", async () => {
    const name = 'n'.repeat(3000);
    const r = await iam(s, 'CreateVirtualMFADevice', { VirtualMFADeviceName: name });
    assert.equal(r.status, 400);
    assert.equal(errorCode(r), 'ValidationError');
    assert.match(
      message(r.body)!,
      /at 'virtualMFADeviceName' failed to satisfy constraint: Member must have length less than or equal to 226$/,
    );
    const all = await ok(iam(s, 'ListVirtualMFADevices', {}));
    assert.doesNotMatch(all.body, /nnnnnnnn/);
    await ok(iam(s, 'CreateVirtualMFADevice', { VirtualMFADeviceName: 'x'.repeat(226) }));
  });

  test('EnableMFADevice needs two consecutive codes', async () => {
    const now = s.clock.now();
    const wrong = await iam(s, 'EnableMFADevice', {
      UserName: 'dana',
      SerialNumber: serial,
      AuthenticationCode1: totp(seed, now),
      AuthenticationCode2: totp(seed, now - STEP),
    });
    assert.equal(wrong.status, 403);
    assert.equal(errorCode(wrong), 'InvalidAuthenticationCode');
    assert.equal(message(wrong.body), 'Authentication code for device is not valid.');
    const far = await iam(s, 'EnableMFADevice', {
      UserName: 'dana',
      SerialNumber: serial,
      AuthenticationCode1: totp(seed, now - 10 * STEP),
      AuthenticationCode2: totp(seed, now - 9 * STEP),
    });
    assert.equal(errorCode(far), 'InvalidAuthenticationCode');
    await ok(
      iam(s, 'EnableMFADevice', {
        UserName: 'dana',
        SerialNumber: serial,
        AuthenticationCode1: totp(seed, now - STEP),
        AuthenticationCode2: totp(seed, now),
      }),
    );
    const listed = await ok(iam(s, 'ListMFADevices', { UserName: 'dana' }));
    assert.match(
      listed.body,
      new RegExp(
        `<MFADevices><member><UserName>dana</UserName><SerialNumber>${serial}</SerialNumber><EnableDate>[^<]+Z</EnableDate></member></MFADevices>`,
      ),
    );
    const assigned = await ok(iam(s, 'ListVirtualMFADevices', { AssignmentStatus: 'Assigned' }));
    assert.match(assigned.body, /<User><Path>\/<\/Path><UserName>dana<\/UserName>/);
    const again = await iam(s, 'EnableMFADevice', {
      UserName: 'dana',
      SerialNumber: serial,
      AuthenticationCode1: totp(seed, now),
      AuthenticationCode2: totp(seed, now + STEP),
    });
    assert.equal(errorCode(again), 'EntityAlreadyExists');
  });
});

describe('GetSessionToken with MFA', () => {
  test('a valid code gives an MFA session that IAM accepts; without MFA IAM refuses', async () => {
    nextStep();
    await ok(
      iam(s, 'PutUserPolicy', {
        UserName: 'dana',
        PolicyName: 'iam-read',
        PolicyDocument: policy(allow('iam:ListUsers', '*', { Bool: { 'aws:MultiFactorAuthPresent': 'true' } })),
      }),
    );
    const withMfa = await ok(
      call(s, 'GetSessionToken', { SerialNumber: serial, TokenCode: totp(seed, s.clock.now()) }, dana),
    );
    const session = credentialsOf(withMfa.body);
    assert.equal((await iam(s, 'ListUsers', {}, session)).status, 200);
    assert.equal(errorCode(await iam(s, 'ListUsers', {}, dana)), 'AccessDenied', 'long-term keys carry no MFA');
    const without = credentialsOf((await ok(call(s, 'GetSessionToken', {}, dana))).body);
    assert.equal(errorCode(await iam(s, 'ListUsers', {}, without)), 'InvalidClientTokenId');
  });

  test('a code is accepted once', async () => {
    nextStep();
    const code = totp(seed, s.clock.now());
    await ok(call(s, 'GetSessionToken', { SerialNumber: serial, TokenCode: code }, dana));
    const replay = await call(s, 'GetSessionToken', { SerialNumber: serial, TokenCode: code }, dana);
    assert.equal(replay.status, 403);
    assert.equal(message(replay.body), INVALID);
    // The previous step's code is older than the one accepted: refused too.
    const older = await call(
      s,
      'GetSessionToken',
      { SerialNumber: serial, TokenCode: totp(seed, s.clock.now() - STEP) },
      dana,
    );
    assert.equal(message(older.body), INVALID);
  });

  test('a code one step ahead is accepted (drift), two steps is not', async () => {
    nextStep();
    assert.equal(
      message(
        (
          await call(
            s,
            'GetSessionToken',
            { SerialNumber: serial, TokenCode: totp(seed, s.clock.now() + 2 * STEP) },
            dana,
          )
        ).body,
      ),
      INVALID,
    );
    await ok(call(s, 'GetSessionToken', { SerialNumber: serial, TokenCode: totp(seed, s.clock.now() + STEP) }, dana));
    nextStep();
    nextStep();
  });

  test("a wrong code, and a device that is not the caller's", async () => {
    nextStep();
    const code = totp(seed, s.clock.now());
    const wrong = await call(
      s,
      'GetSessionToken',
      { SerialNumber: serial, TokenCode: code === '000000' ? '111111' : '000000' },
      dana,
    );
    assert.equal(errorCode(wrong), 'AccessDenied');
    assert.equal(message(wrong.body), INVALID);
    const erin = await createUserWithKey(s, 'erin');
    const notHers = await call(s, 'GetSessionToken', { SerialNumber: serial, TokenCode: code }, erin);
    assert.equal(message(notHers.body), UNBOUND);
    const unknown = await call(
      s,
      'GetSessionToken',
      { SerialNumber: `arn:aws:iam::${account}:mfa/none`, TokenCode: code },
      dana,
    );
    assert.equal(message(unknown.body), UNBOUND);
  });
});

describe('AssumeRole with MFA', () => {
  let roleArn: string;

  before(async () => {
    roleArn = await createRole(
      s,
      'guarded',
      trust(`arn:aws:iam::${account}:user/dana`, ['sts:AssumeRole'], {
        Bool: { 'aws:MultiFactorAuthPresent': 'true' },
      }),
    );
    await ok(
      iam(s, 'PutRolePolicy', {
        RoleName: 'guarded',
        PolicyName: 'mfa-only',
        PolicyDocument: policy(
          allow('iam:ListRoles', '*', {
            Bool: { 'aws:MultiFactorAuthPresent': 'true' },
            NumericLessThan: { 'aws:MultiFactorAuthAge': '600' },
          }),
        ),
      }),
    );
  });

  test('a trust policy requiring MFA refuses without it and accepts SerialNumber/TokenCode', async () => {
    nextStep();
    const refused = await assumeRole(s, dana, roleArn);
    assert.equal(
      message(refused.body),
      `User: arn:aws:iam::${account}:user/dana is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
    const r = await ok(assumeRole(s, dana, roleArn, { SerialNumber: serial, TokenCode: totp(seed, s.clock.now()) }));
    const session = credentialsOf(r.body);
    assert.equal(
      (await iam(s, 'ListRoles', {}, session)).status,
      200,
      'aws:MultiFactorAuthPresent is true in the session',
    );
    s.clock.advance(601_000);
    assert.equal(errorCode(await iam(s, 'ListRoles', {}, session)), 'AccessDenied', 'aws:MultiFactorAuthAge grows');
  });

  test('an MFA session from GetSessionToken assumes the role without a new code', async () => {
    nextStep();
    const gst = credentialsOf(
      (await ok(call(s, 'GetSessionToken', { SerialNumber: serial, TokenCode: totp(seed, s.clock.now()) }, dana))).body,
    );
    const session = credentialsOf((await ok(assumeRole(s, gst, roleArn))).body);
    assert.equal((await iam(s, 'ListRoles', {}, session)).status, 200);
  });

  test('a wrong code is refused with the MFA message', async () => {
    nextStep();
    const code = totp(seed, s.clock.now());
    const r = await assumeRole(s, dana, roleArn, {
      SerialNumber: serial,
      TokenCode: code === '123456' ? '654321' : '123456',
    });
    assert.equal(message(r.body), INVALID);
  });
});

describe('device lifecycle', () => {
  test('ResyncMFADevice, DeactivateMFADevice, DeleteVirtualMFADevice; DeleteUser waits for the device', async () => {
    nextStep();
    const now = s.clock.now();
    const bad = await iam(s, 'ResyncMFADevice', {
      UserName: 'dana',
      SerialNumber: serial,
      AuthenticationCode1: '000000',
      AuthenticationCode2: '000000',
    });
    assert.equal(errorCode(bad), 'InvalidAuthenticationCode');
    // Resync tolerates a clock that drifted several steps.
    await ok(
      iam(s, 'ResyncMFADevice', {
        UserName: 'dana',
        SerialNumber: serial,
        AuthenticationCode1: totp(seed, now + 4 * STEP),
        AuthenticationCode2: totp(seed, now + 5 * STEP),
      }),
    );
    const inUse = await iam(s, 'DeleteVirtualMFADevice', { SerialNumber: serial });
    assert.equal(errorCode(inUse), 'DeleteConflict');
    await ok(iam(s, 'DeleteUserPolicy', { UserName: 'dana', PolicyName: 'iam-read' }));
    await ok(iam(s, 'DeleteAccessKey', { UserName: 'dana', AccessKeyId: dana.accessKeyId }));
    assert.equal(errorCode(await iam(s, 'DeleteUser', { UserName: 'dana' })), 'DeleteConflict');
    await ok(iam(s, 'DeactivateMFADevice', { UserName: 'dana', SerialNumber: serial }));
    assert.match((await ok(iam(s, 'ListMFADevices', { UserName: 'dana' }))).body, /<MFADevices><\/MFADevices>/);
    await ok(iam(s, 'DeleteVirtualMFADevice', { SerialNumber: serial }));
    const gone = await iam(s, 'DeleteVirtualMFADevice', { SerialNumber: serial });
    assert.equal(gone.status, 404);
    // AWS's words (LocalStack's recorded test_virtual_mfa_device_errors snapshot).
    assert.equal(message(gone.body), `MFA Device with serial number ${serial} does not exist.`);
    await ok(iam(s, 'DeleteUser', { UserName: 'dana' }));
  });
});
