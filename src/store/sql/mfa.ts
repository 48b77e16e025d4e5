/** Virtual MFA devices in SQL. */
import type { MfaDeviceRecord } from '../store.js';
import type { Database } from '../schema.js';
import { affected, optional, parseTags, type Db } from './common.js';

type Row = Database['mfa_devices'];

const toDevice = (r: Row): MfaDeviceRecord => ({
  serialNumber: r.serial_number,
  accountId: r.account_id,
  path: r.path,
  deviceName: r.device_name,
  seedEncrypted: r.seed_encrypted,
  userId: r.user_id || undefined,
  enabledAt: r.enabled_at == null ? undefined : Number(optional(r.enabled_at)),
  lastStep: Number(r.last_step),
  createdAt: Number(r.created_at),
  tags: parseTags(r.tags),
});

export async function insertDevice(trx: Db, d: MfaDeviceRecord): Promise<boolean> {
  const r = await trx
    .insertInto('mfa_devices')
    .values({
      serial_number: d.serialNumber,
      account_id: d.accountId,
      path: d.path,
      device_name: d.deviceName,
      seed_encrypted: d.seedEncrypted,
      user_id: d.userId ?? '',
      enabled_at: d.enabledAt ?? null,
      last_step: d.lastStep,
      created_at: d.createdAt,
      tags: JSON.stringify(d.tags),
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  return affected(r) === 1;
}

export async function deviceBySerial(db: Db, serialNumber: string): Promise<MfaDeviceRecord | undefined> {
  const r = await db.selectFrom('mfa_devices').selectAll().where('serial_number', '=', serialNumber).executeTakeFirst();
  return r && toDevice(r);
}

export async function listDevices(
  db: Db,
  accountId: string,
  filter: { userId?: string; assignment?: 'Assigned' | 'Unassigned' | 'Any' },
): Promise<MfaDeviceRecord[]> {
  let q = db.selectFrom('mfa_devices').selectAll().where('account_id', '=', accountId);
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  if (filter.assignment === 'Assigned') q = q.where('user_id', '!=', '');
  if (filter.assignment === 'Unassigned') q = q.where('user_id', '=', '');
  return (await q.orderBy('serial_number').execute()).map(toDevice);
}

export async function enableDevice(
  trx: Db,
  serialNumber: string,
  userId: string,
  enabledAt: number,
  step: number,
): Promise<'enabled' | 'in-use' | 'missing'> {
  const d = await trx
    .selectFrom('mfa_devices')
    .select('user_id')
    .where('serial_number', '=', serialNumber)
    .executeTakeFirst();
  if (!d) return 'missing';
  if (d.user_id) return 'in-use';
  await trx
    .updateTable('mfa_devices')
    .set({ user_id: userId, enabled_at: enabledAt, last_step: step })
    .where('serial_number', '=', serialNumber)
    .execute();
  return 'enabled';
}

export async function deactivateDevice(trx: Db, serialNumber: string, userId: string): Promise<boolean> {
  const r = await trx
    .updateTable('mfa_devices')
    .set({ user_id: '', enabled_at: null })
    .where('serial_number', '=', serialNumber)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return affected(r) === 1;
}

export async function deleteDevice(trx: Db, serialNumber: string): Promise<'deleted' | 'in-use' | 'missing'> {
  const d = await trx
    .selectFrom('mfa_devices')
    .select('user_id')
    .where('serial_number', '=', serialNumber)
    .executeTakeFirst();
  if (!d) return 'missing';
  if (d.user_id) return 'in-use';
  await trx.deleteFrom('mfa_devices').where('serial_number', '=', serialNumber).execute();
  return 'deleted';
}

export async function acceptStep(trx: Db, serialNumber: string, step: number): Promise<boolean> {
  const r = await trx
    .updateTable('mfa_devices')
    .set({ last_step: step })
    .where('serial_number', '=', serialNumber)
    .where('last_step', '<', step)
    .executeTakeFirst();
  return affected(r) === 1;
}
