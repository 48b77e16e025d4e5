/** What keeps a user from being deleted, besides access keys (checked where keys live). */
import type { DeleteUserResult } from '../store.js';
import { exists, type Db } from './common.js';

export async function userDependents(
  trx: Db,
  userId: string,
): Promise<Exclude<DeleteUserResult, 'deleted' | 'has-keys' | 'missing'> | undefined> {
  if (await exists(trx.selectFrom('inline_policies').select('owner_id').where('owner_id', '=', userId).limit(1)))
    return 'has-policies';
  if (await exists(trx.selectFrom('policy_attachments').select('owner_id').where('owner_id', '=', userId).limit(1)))
    return 'has-attached-policies';
  if (await exists(trx.selectFrom('group_members').select('group_id').where('user_id', '=', userId).limit(1)))
    return 'in-groups';
  if (await exists(trx.selectFrom('mfa_devices').select('serial_number').where('user_id', '=', userId).limit(1)))
    return 'has-mfa';
  return undefined;
}
