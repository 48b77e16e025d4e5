import { methodNames, type Tag } from './common.js';

export interface MfaDeviceRecord {
  serialNumber: string;
  accountId: string;
  path: string;
  deviceName: string;
  /** The Base32 TOTP seed sealed under the master key, bound to the serial number. */
  seedEncrypted: string;
  /** The user the device is enabled for; undefined while unassigned. */
  userId?: string;
  enabledAt?: number;
  /** The last accepted TOTP time step (codes at or before it are refused: no replay). */
  lastStep: number;
  createdAt: number;
  tags: Tag[];
}

/** Virtual MFA devices. */
export interface MfaDeviceStore {
  /** False when a device with that serial number exists. */
  createMfaDevice(device: MfaDeviceRecord): Promise<boolean>;
  getMfaDevice(serialNumber: string): Promise<MfaDeviceRecord | undefined>;
  /** The account's virtual MFA devices, optionally only those of one user, in serial number order. */
  listMfaDevices(
    accountId: string,
    filter: { userId?: string; assignment?: 'Assigned' | 'Unassigned' | 'Any' },
  ): Promise<MfaDeviceRecord[]>;
  /** Assigns an unassigned device to a user, with the time step of the codes that proved it. */
  enableMfaDevice(
    serialNumber: string,
    userId: string,
    enabledAt: number,
    step: number,
  ): Promise<'enabled' | 'in-use' | 'missing'>;
  deactivateMfaDevice(serialNumber: string, userId: string): Promise<boolean>;
  deleteMfaDevice(serialNumber: string): Promise<'deleted' | 'in-use' | 'missing'>;
  /** Records an accepted code's time step when it is later than the last one, atomically: false for a replay. */
  acceptMfaStep(serialNumber: string, step: number): Promise<boolean>;
}

export const MFA_DEVICE_STORE_METHODS = methodNames<MfaDeviceStore>()([
  'createMfaDevice',
  'getMfaDevice',
  'listMfaDevices',
  'enableMfaDevice',
  'deactivateMfaDevice',
  'deleteMfaDevice',
  'acceptMfaStep',
]);
