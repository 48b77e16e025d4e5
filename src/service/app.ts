/**
 * The assembled service: store, keys, caches and clock, opened once per process. On a new data dir it creates
 * the account, the first token key and the root credentials.
 */
import { readFileSync } from 'node:fs';
import type { Clock } from '../clock.js';
import { Directory, secretContext } from '../iam/directory.js';
import { EntityCache } from '../iam/entity-cache.js';
import { IssuerKeys } from '../federation/issuer-keys.js';
import { LastUses, type KeyUses, type RoleUses } from '../iam/last-use.js';
import { issuerOf, OutboundFederation } from '../federation/outbound-federation.js';
import { awsManagedCatalogue } from '../store/aws-managed-catalogue.js';
import type { ChangeFeed } from '../store/change-feed.js';
import type { AccountRecord, Store } from '../store/store.js';
import { describeStore, openStore } from '../store/open.js';
import { isAccountId, newAccessKeyId, newAccountId, newSecretAccessKey } from '../tokens/ids.js';
import { Keyring } from '../tokens/keyring.js';
import type { MasterKey } from '../tokens/master-key.js';
import { openStoreMasterKey } from '../tokens/store-master-key.js';
import { SessionTokenCodec } from '../tokens/session-token.js';
import { AccountSettings } from './account-settings.js';
import type { NodeRegion } from './regions.js';
import { DEFAULT_LIMITS, NO_THROTTLE, Throttle, type RequestThrottle, type ThrottleLimits } from './throttle.js';

export interface AppOptions {
  /** Where the SQLite database and master key live; ':memory:' for a throwaway store (tests). */
  dataDir: string;
  /** The region of unsigned requests (the node's region; us-east-1 for the global endpoint or any region). */
  region: string;
  /** What the node answers as: one region, the global endpoint, or any region (default). */
  endpoint?: NodeRegion;
  /** With `endpoint` any: `sts.<region>.<domain>` Hosts select a region and `sts.<domain>` the global endpoint. */
  domain?: string;
  clock: Clock;
  env?: NodeJS.ProcessEnv;
  /** An already opened store (a test's), used as given (open it with `awsManagedPolicies` to serve AWS's from the catalogue). */
  store?: Store;
  /** A `postgres://` URL: the store shared by several nodes, instead of the data dir's SQLite. */
  storeUrl?: string;
  /** Told when a PostgreSQL store loses its database connection and when it is back. */
  onStoreStateChange?: (state: 'up' | 'down', err?: unknown) => void;
  /** How this process learns of its peers' changes to the store (cluster workers); default: alone. */
  feed?: ChangeFeed;
  /**
   * A PEM file of CA certificates trusted, besides the system's, when fetching OIDC issuers' keys (a private
   * issuer's CA). Default: env OPENSTS_OIDC_CA_FILE.
   */
  oidcCaFile?: string;
  /**
   * The public base URL of the outbound federation issuers (`--issuer-url`, env OPENSTS_ISSUER_URL): an issuer is
   * `<issuerUrl>/outbound/<account id>`. Default: the server's own URL, set by startServer once it listens.
   */
  issuerUrl?: string;
  /** Request rate limits (throttle.ts), or false for none (`--throttle off`). Default: throttle.ts DEFAULT_LIMITS. */
  throttle?: ThrottleLimits | false;
}

export interface RootCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export class App {
  readonly directory: Directory;
  readonly entities: EntityCache;
  readonly keyUses: KeyUses;
  readonly roleUses: RoleUses;
  readonly tokens: SessionTokenCodec;
  readonly settings: AccountSettings;
  readonly issuerKeys: IssuerKeys;
  readonly outbound: OutboundFederation;
  /** The throttle stage's buckets (per process). */
  readonly throttle: RequestThrottle;
  /** See AppOptions.issuerUrl; startServer sets the default. */
  issuerBaseUrl: string | undefined;

  private constructor(
    readonly options: AppOptions,
    readonly store: Store,
    readonly master: MasterKey,
    readonly keyring: Keyring,
    readonly account: AccountRecord,
    oidcCa: string | undefined,
  ) {
    this.directory = new Directory(store, master);
    this.entities = new EntityCache(store);
    this.keyUses = new LastUses(
      (u) => u.accessKeyId,
      (uses) => store.recordAccessKeyUse(uses),
    );
    this.roleUses = new LastUses(
      (u) => u.roleId,
      (uses) => store.recordRoleUse(uses),
    );
    this.tokens = new SessionTokenCodec(keyring);
    this.settings = new AccountSettings(store);
    this.issuerKeys = new IssuerKeys(options.clock, oidcCa);
    this.outbound = new OutboundFederation(store, master);
    this.throttle = options.throttle === false ? NO_THROTTLE : new Throttle(options.throttle ?? DEFAULT_LIMITS);
    this.issuerBaseUrl = options.issuerUrl;
  }

  /** The outbound federation issuer of an account (`iss` of the tokens GetWebIdentityToken vends). */
  issuer(accountId: string): string {
    if (this.issuerBaseUrl === undefined) throw new Error('The issuer URL is not known before the server listens');
    return issuerOf(this.issuerBaseUrl, accountId);
  }

  /** What this node answers as (options.endpoint; any region by default). */
  get endpoint(): NodeRegion {
    return this.options.endpoint ?? { kind: 'any' };
  }

  get clock(): Clock {
    return this.options.clock;
  }

  get accountId(): string {
    return this.account.accountId;
  }

  /**
   * Opens the store and brings it up to date. `rootCredentials` is set only when this call created them (first
   * start of a data dir), so that the caller can show them once.
   */
  static async open(options: AppOptions): Promise<{ app: App; rootCredentials?: RootCredentials }> {
    const env = options.env ?? process.env;
    const caFile = options.oidcCaFile ?? (env.OPENSTS_OIDC_CA_FILE || undefined);
    // Read before anything opens: a CA file that cannot be read stops the start, rather than every web identity call.
    const oidcCa = caFile === undefined ? undefined : readFileSync(caFile, 'utf8');
    // AWS managed policies are read from the package catalogue, not the database.
    const store =
      options.store ??
      (await openStore(
        { dataDir: options.dataDir, url: options.storeUrl },
        {
          feed: options.feed,
          postgres: { onStateChange: options.onStoreStateChange },
          awsManagedPolicies: awsManagedCatalogue,
        },
      ));
    try {
      const wanted = env.OPENSTS_ACCOUNT_ID;
      if (wanted !== undefined && !isAccountId(wanted)) throw new Error('OPENSTS_ACCOUNT_ID must be 12 digits');
      await store.migrate();
      const now = options.clock.now();
      const master = await openStoreMasterKey({
        store,
        dataDir: options.dataDir === ':memory:' ? undefined : options.dataDir,
        env,
        now,
        storeName: describeStore({ dataDir: options.dataDir, url: options.storeUrl }),
      });
      const account = await store.ensureAccount({
        accountId: wanted ?? newAccountId(),
        createdAt: now,
        globalEndpointTokenVersion: 1,
      });
      if (wanted !== undefined && wanted !== account.accountId) {
        throw new Error(`This data dir belongs to account ${account.accountId}, not OPENSTS_ACCOUNT_ID=${wanted}`);
      }
      const keyring = new Keyring(store, master);
      await keyring.load(now);
      const app = new App(options, store, master, keyring, account, oidcCa);
      const rootCredentials = await app.ensureRootCredentials(env);
      return { app, rootCredentials };
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  private async ensureRootCredentials(env: NodeJS.ProcessEnv): Promise<RootCredentials | undefined> {
    if ((await this.store.listAccessKeys(this.accountId, undefined)).length) return undefined;
    const given = env.OPENSTS_ROOT_ACCESS_KEY_ID;
    const givenSecret = env.OPENSTS_ROOT_SECRET_ACCESS_KEY;
    if ((given === undefined) !== (givenSecret === undefined)) {
      throw new Error('Set both OPENSTS_ROOT_ACCESS_KEY_ID and OPENSTS_ROOT_SECRET_ACCESS_KEY, or neither');
    }
    if (given !== undefined && !/^[A-Z0-9]{16,128}$/.test(given))
      throw new Error('OPENSTS_ROOT_ACCESS_KEY_ID must be 16 to 128 characters A-Z and 0-9');
    if (givenSecret !== undefined && givenSecret.length < 16)
      throw new Error('OPENSTS_ROOT_SECRET_ACCESS_KEY must have at least 16 characters');
    const creds = {
      accessKeyId: given ?? newAccessKeyId('AKIA', this.accountId),
      secretAccessKey: givenSecret ?? newSecretAccessKey(),
    };
    const result = await this.store.createAccessKey(
      {
        accessKeyId: creds.accessKeyId,
        accountId: this.accountId,
        status: 'Active',
        createdAt: this.clock.now(),
        secretEncrypted: this.master.encrypt(creds.secretAccessKey, secretContext(creds.accessKeyId)),
      },
      1,
    );
    // Another process (a worker, another node of a shared store) starting at the same moment may have created them
    // first: a limit of one key makes this one refused.
    return result === 'created' ? creds : undefined;
  }

  async close(): Promise<void> {
    // Uses that cannot be written (the database is gone) are lost, as AWS's last-used data may lag.
    await Promise.all([this.keyUses.flush().catch(() => {}), this.roleUses.flush().catch(() => {})]);
    await this.store.close();
  }
}
