/** Permissions boundaries of users and roles in SQL: a nullable policy ARN column on each table. */
import type { BoundedEntity } from '../store.js';
import { affected, exists, type Db } from './common.js';

const TABLES = { user: ['users', 'user_id'], role: ['roles', 'role_id'] } as const;

export async function setBoundary(
  trx: Db,
  entity: BoundedEntity,
  id: string,
  policyArn: string | undefined,
): Promise<'updated' | 'no-such-policy' | 'missing'> {
  if (
    policyArn !== undefined &&
    !(await exists(trx.selectFrom('managed_policies').select('arn').where('arn', '=', policyArn)))
  )
    return 'no-such-policy';
  const [table, key] = TABLES[entity];
  // The two tables differ only in their names here; kysely cannot type a union of them.
  const r = await (trx as Db)
    .updateTable(table as 'users')
    .set({ permissions_boundary: policyArn ?? null })
    .where(key as 'user_id', '=', id)
    .executeTakeFirst();
  return affected(r) === 1 ? 'updated' : 'missing';
}

/** Whether some user or role has this policy as its boundary. */
export async function usedAsBoundary(trx: Db, policyArn: string): Promise<boolean> {
  return (
    (await exists(trx.selectFrom('users').select('user_id').where('permissions_boundary', '=', policyArn).limit(1))) ||
    exists(trx.selectFrom('roles').select('role_id').where('permissions_boundary', '=', policyArn).limit(1))
  );
}
