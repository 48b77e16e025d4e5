/**
 * Virtual MFA devices: CreateVirtualMFADevice (seed and QR code, shown once), EnableMFADevice (two consecutive
 * codes), ResyncMFADevice, DeactivateMFADevice, DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices.
 * Seeds are stored sealed under the master key.
 */
import { requestTagKeys } from '../service/authorize.js';
import { seedContext } from '../mfa/verify-mfa.js';
import { PARTITION } from '../iam/principal.js';
import { qrCodePng } from '../mfa/qr-code.js';
import { matchConsecutive, newSeed, provisioningUri, RESYNC_WINDOW } from '../mfa/totp.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import type { App } from '../service/app.js';
import type { MfaDeviceRecord, Tag } from '../store/store.js';
import { listResource, pageOf, requireUser, targetUser, userOutput, userResource } from './lookup.js';
import { checkTags } from './tags.js';

/** AWS's quota of MFA devices per user. */
const MAX_DEVICES_PER_USER = 8;

const mfaArn = (accountId: string, path: string, name: string) =>
  `arn:${PARTITION}:iam::${accountId}:mfa${path}${name}`;

// AWS's words (LocalStack's recorded test_virtual_mfa_device_errors and test_enable_mfa_device_errors snapshots).
const noSuchDevice = (serial: string) => errors.noSuchEntity(`MFA Device with serial number ${serial} does not exist.`);
const invalidCodes = () => errors.invalidAuthenticationCode('Authentication code for device is not valid.');

function seedOf(app: App, device: MfaDeviceRecord): string {
  return app.master.decrypt(device.seedEncrypted, seedContext(device.serialNumber));
}

/** The device, which must be enabled for this user. UNCONFIRMED: AWS's message when it is not. */
async function usersDevice(app: App, userId: string, serial: string): Promise<MfaDeviceRecord> {
  const device = await app.store.getMfaDevice(serial);
  if (!device || device.accountId !== app.accountId || device.userId !== userId) {
    throw errors.noSuchEntity(`MFA Device with serial number ${serial} does not exist.`);
  }
  return device;
}

const MAX_DEVICE_NAME = 226;

export const createVirtualMFADevice = operation({
  service: 'iam',
  name: 'CreateVirtualMFADevice',
  permission: ({ input, app }) => [
    'iam:CreateVirtualMFADevice',
    mfaArn(app.accountId, input.Path ?? '/', input.VirtualMFADeviceName),
    requestTagKeys(input.Tags),
  ],
  handle: async ({ input, request, app }) => {
    checkTags(input.Tags);
    // UNCONFIRMED: the model sets no maximum; AWS refuses long names, and the name must fit the QR code's URI.
    if (input.VirtualMFADeviceName.length > MAX_DEVICE_NAME) {
      throw errors.validation(
        `1 validation error detected: Value '${input.VirtualMFADeviceName}' at 'virtualMFADeviceName' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DEVICE_NAME}`,
      );
    }
    const path = input.Path ?? '/';
    const serialNumber = mfaArn(app.accountId, path, input.VirtualMFADeviceName);
    const seed = newSeed();
    // Made before the device is stored, so that nothing is stored for a request that fails.
    const qrCode = qrCodePng(provisioningUri(seed, `${input.VirtualMFADeviceName}@${app.accountId}`, 'OpenSTS'));
    const created = await app.store.createMfaDevice({
      serialNumber,
      accountId: app.accountId,
      path,
      deviceName: input.VirtualMFADeviceName,
      seedEncrypted: app.master.encrypt(seed, seedContext(serialNumber)),
      lastStep: 0,
      createdAt: request.time,
      tags: input.Tags ?? [],
    });
    if (!created) throw errors.entityAlreadyExists('MFA device already exists.');
    return {
      VirtualMFADevice: {
        SerialNumber: serialNumber,
        // Blobs: base64 on the wire; the CLI's --outfile writes the decoded bytes (the Base32 text, or the PNG).
        Base32StringSeed: Buffer.from(seed, 'ascii'),
        QRCodePNG: qrCode,
        Tags: input.Tags?.length ? input.Tags : undefined,
      },
    };
  },
});

export const enableMFADevice = operation({
  service: 'iam',
  name: 'EnableMFADevice',
  permission: async ({ input, caller, app }) => [
    'iam:EnableMFADevice',
    await userResource(app, caller, input.UserName),
  ],
  handle: async ({ input, request, app }) => {
    const user = await requireUser(app, input.UserName);
    const device = await app.store.getMfaDevice(input.SerialNumber);
    if (!device || device.accountId !== app.accountId) throw noSuchDevice(input.SerialNumber);
    // UNCONFIRMED wording.
    if (device.userId) throw errors.entityAlreadyExists('MFA Device is already in use.');
    const own = await app.store.listMfaDevices(app.accountId, { userId: user.userId });
    if (own.length >= MAX_DEVICES_PER_USER)
      throw errors.limitExceeded(`Cannot exceed quota for MFADevicesPerUser: ${MAX_DEVICES_PER_USER}`);
    const step = matchConsecutive(
      seedOf(app, device),
      input.AuthenticationCode1,
      input.AuthenticationCode2,
      request.time,
    );
    if (step === undefined || step <= device.lastStep) throw invalidCodes();
    const r = await app.store.enableMfaDevice(device.serialNumber, user.userId, request.time, step);
    if (r === 'missing') throw noSuchDevice(input.SerialNumber);
    if (r === 'in-use') throw errors.entityAlreadyExists('MFA Device is already in use.');
  },
});

export const resyncMFADevice = operation({
  service: 'iam',
  name: 'ResyncMFADevice',
  permission: async ({ input, caller, app }) => [
    'iam:ResyncMFADevice',
    await userResource(app, caller, input.UserName),
  ],
  handle: async ({ input, request, app }) => {
    const user = await requireUser(app, input.UserName);
    const device = await usersDevice(app, user.userId, input.SerialNumber);
    const step = matchConsecutive(
      seedOf(app, device),
      input.AuthenticationCode1,
      input.AuthenticationCode2,
      request.time,
      RESYNC_WINDOW,
    );
    if (step === undefined || !(await app.store.acceptMfaStep(device.serialNumber, step))) throw invalidCodes();
  },
});

export const deactivateMFADevice = operation({
  service: 'iam',
  name: 'DeactivateMFADevice',
  permission: async ({ input, caller, app }) => [
    'iam:DeactivateMFADevice',
    await userResource(app, caller, input.UserName),
  ],
  handle: async ({ input, caller, app }) => {
    const user = await targetUser(app, caller, input.UserName);
    if (!user) throw errors.noSuchEntity(`MFA Device with serial number ${input.SerialNumber} does not exist.`);
    await usersDevice(app, user.userId, input.SerialNumber);
    if (!(await app.store.deactivateMfaDevice(input.SerialNumber, user.userId))) {
      throw errors.noSuchEntity(`MFA Device with serial number ${input.SerialNumber} does not exist.`);
    }
  },
});

export const deleteVirtualMFADevice = operation({
  service: 'iam',
  name: 'DeleteVirtualMFADevice',
  permission: ({ input }) => ['iam:DeleteVirtualMFADevice', input.SerialNumber],
  handle: async ({ input, app }) => {
    const device = await app.store.getMfaDevice(input.SerialNumber);
    if (!device || device.accountId !== app.accountId) throw noSuchDevice(input.SerialNumber);
    const r = await app.store.deleteMfaDevice(input.SerialNumber);
    // UNCONFIRMED wording.
    if (r === 'in-use') throw errors.deleteConflict('MFA Device is still in use.');
    if (r === 'missing') throw noSuchDevice(input.SerialNumber);
  },
});

export const listMFADevices = operation({
  service: 'iam',
  name: 'ListMFADevices',
  permission: async ({ input, caller, app }) => ['iam:ListMFADevices', await userResource(app, caller, input.UserName)],
  handle: async ({ input, caller, app }) => {
    const user = await targetUser(app, caller, input.UserName);
    const devices = user ? await app.store.listMfaDevices(app.accountId, { userId: user.userId }) : [];
    const page = pageOf(devices, (d) => d.serialNumber, input.Marker, input.MaxItems);
    return {
      MFADevices: page.items.map((d) => ({
        UserName: user!.userName,
        SerialNumber: d.serialNumber,
        EnableDate: new Date(d.enabledAt!),
      })),
      IsTruncated: page.IsTruncated,
      Marker: page.Marker,
    };
  },
});

export const listVirtualMFADevices = operation({
  service: 'iam',
  name: 'ListVirtualMFADevices',
  permission: ({ app }) => ['iam:ListVirtualMFADevices', listResource(app, 'mfa')],
  handle: async ({ input, app }) => {
    const devices = await app.store.listMfaDevices(app.accountId, { assignment: input.AssignmentStatus ?? 'Any' });
    const page = pageOf(devices, (d) => d.serialNumber, input.Marker, input.MaxItems);
    const out = [];
    for (const d of page.items) {
      const user = d.userId ? await app.store.getUserById(d.userId) : undefined;
      out.push({
        SerialNumber: d.serialNumber,
        User: user && userOutput(user, false),
        EnableDate: d.enabledAt === undefined ? undefined : new Date(d.enabledAt),
        Tags: d.tags.length ? d.tags : undefined,
      });
    }
    return { VirtualMFADevices: out, IsTruncated: page.IsTruncated, Marker: page.Marker };
  },
});
