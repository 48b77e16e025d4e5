/**
 * `opensts recover-root-key`: a new root access key for whoever holds the store and its master key, when the root's
 * keys are lost. It works offline, on the store itself (no credentials to present: holding the data dir and its key
 * is the proof), and may run while servers serve: SQLite (WAL) takes the write beside the server's, and every
 * server hears of it as of any other change (PostgreSQL: the change feed; SQLite: the data_version poll), so the new
 * key works, and a deleted one stops working, at once or within half a second.
 *
 * AWS's limit holds: the root has at most two access keys. With two, the command refuses unless told which one to
 * delete (--delete-key); it never picks one itself, since a key it deleted might be the one still in use.
 */
import { appendFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { newAccessKeyId, newSecretAccessKey } from '../tokens/ids.js';
import { secretContext } from '../iam/directory.js';
import { openAdminStore, processIo, STORE_OPTIONS, storeValues, type AdminIo } from './admin.js';
import { type CommandSpec, one, parseCommand } from './args.js';

export const recoverSpec: CommandSpec = {
  name: 'opensts recover-root-key',
  synopsis: '[options]',
  description: `Creates a new access key for the account root and prints it once. For when the root's keys are lost: needs the
store and its master key, not credentials. Safe while servers run; they accept the new key at once.`,
  options: {
    ...STORE_OPTIONS,
    'delete-key': {
      arg: 'ID',
      help: 'delete this root access key first (the root has at most two: with two, name the one to delete;\nrequests signed with it are refused from then on)',
    },
    'audit-log': {
      arg: 'PATH',
      help: "append the change to this audit log (default: OPENSTS_AUDIT_LOG; `-` for stdout): give the\nserver's, so that the recovery is on record where its requests are",
    },
  },
};

/** The root's limit, as in AWS. */
const ROOT_KEY_LIMIT = 2;

const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function recoverRootKey(argv: string[], io: AdminIo = processIo()): Promise<number> {
  const args = parseCommand(recoverSpec, argv, io.out);
  if (!args) return 0;
  const auditLog = one(args, 'audit-log') ?? (io.env.OPENSTS_AUDIT_LOG || undefined);
  const { store, master, account, name } = await openAdminStore(storeValues(args), io.env);
  try {
    const now = io.now();
    const accountId = account.accountId;
    const existing = await store.listAccessKeys(accountId, undefined);
    const toDelete = one(args, 'delete-key');
    if (toDelete !== undefined && !existing.some((k) => k.accessKeyId === toDelete)) {
      throw new Error(
        `${toDelete} is not an access key of the root of account ${accountId} (its keys: ${describe(existing)})`,
      );
    }
    if (existing.length >= ROOT_KEY_LIMIT && toDelete === undefined) {
      throw new Error(
        `The root of account ${accountId} has ${existing.length} access keys, the most it may have: ${describe(existing)}. ` +
          'Name the one to delete with --delete-key ID (requests signed with it are refused from then on); nothing was changed',
      );
    }
    const events: object[] = [];
    const audit = (eventName: string, fields: object) => events.push(auditEvent(eventName, accountId, now, fields));
    let created: { accessKeyId: string; secretAccessKey: string } | undefined;
    let auditError: Error | undefined;
    try {
      if (toDelete !== undefined) {
        await store.deleteAccessKey(toDelete);
        audit('DeleteAccessKey', { requestParameters: { accessKeyId: toDelete } });
      }
      const accessKeyId = newAccessKeyId('AKIA', accountId);
      const secretAccessKey = newSecretAccessKey();
      const result = await store.createAccessKey(
        {
          accessKeyId,
          accountId,
          status: 'Active',
          createdAt: now,
          secretEncrypted: master!.encrypt(secretAccessKey, secretContext(accessKeyId)),
        },
        ROOT_KEY_LIMIT,
      );
      // Another recovery (or a CreateAccessKey) took the last place between the count above and this write.
      if (result !== 'created')
        throw new Error(
          `The root of account ${accountId} reached its ${ROOT_KEY_LIMIT} access keys meanwhile; run the command again`,
        );
      created = { accessKeyId, secretAccessKey };
      audit('CreateAccessKey', {
        responseElements: { accessKey: { accessKeyId, status: 'Active', createDate: when(now) } },
      });
    } finally {
      // What was done is on record even when a later step failed.
      if (auditLog !== undefined && events.length) {
        try {
          writeAudit(auditLog, events, io);
        } catch (err) {
          auditError = err as Error;
        }
      }
    }
    io.out(
      `${toDelete === undefined ? '' : `Deleted root access key ${toDelete}.\n`}` +
        `New root access key for account ${accountId} in ${name}, shown once:\n\n` +
        `export AWS_ACCESS_KEY_ID=${created!.accessKeyId}\nexport AWS_SECRET_ACCESS_KEY=${created!.secretAccessKey}\n\n` +
        (auditLog === undefined
          ? 'Not written to an audit log (no --audit-log or OPENSTS_AUDIT_LOG).\n'
          : `Recorded in the audit log ${auditLog === '-' ? '(standard output)' : resolve(auditLog)}.\n`),
    );
    if (auditError) {
      // The key exists and was shown: failing before printing it would lose it.
      process.stderr.write(
        `opensts: the audit log ${auditLog} could not be written (${auditError.message}): record this recovery by hand\n`,
      );
      return 1;
    }
    return 0;
  } finally {
    await store.close();
  }
}

function describe(keys: { accessKeyId: string; status: string; createdAt: number; lastUsedAt?: number }[]): string {
  if (keys.length === 0) return 'none';
  return keys
    .map(
      (k) =>
        `${k.accessKeyId} (${k.status}, created ${when(k.createdAt)}${k.lastUsedAt ? `, last used ${when(k.lastUsedAt)}` : ''})`,
    )
    .join(', ');
}

/**
 * A CloudTrail-shaped event, as the server writes for API calls; this change came from the command, not through the
 * API, so its type says so and it names who ran it where. Never the secret.
 */
function auditEvent(eventName: string, accountId: string, now: number, fields: object): object {
  let osUser: string;
  try {
    osUser = userInfo().username;
  } catch {
    osUser = String(process.getuid?.() ?? 'unknown');
  }
  return {
    eventVersion: '1.08',
    eventTime: new Date(now).toISOString().slice(0, 19) + 'Z',
    eventSource: 'iam.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: 'opensts recover-root-key',
    userAgent: 'opensts-cli',
    requestID: randomUUID(),
    eventType: 'AwsServiceEvent',
    userIdentity: {
      type: 'Root',
      principalId: accountId,
      arn: `arn:aws:iam::${accountId}:root`,
      accountId,
      invokedBy: 'opensts recover-root-key',
    },
    ...fields,
    additionalEventData: { recovery: 'offline, with the store and its master key', osUser, host: hostname() },
  };
}

function writeAudit(path: string, events: object[], io: AdminIo): void {
  const lines = events.map((e) => JSON.stringify(e) + '\n').join('');
  if (path === '-') io.out(lines);
  // One append of whole lines (O_APPEND), as the server's workers write the same file.
  else appendFileSync(resolve(path), lines, { mode: 0o600 });
}
