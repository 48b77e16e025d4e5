/**
 * The read side of roles, users' permissions, managed policies and OIDC and SAML providers, cached per process with their policies parsed
 * once: a role session's request or an AssumeRole reads no database. Like the Directory, the whole cache is
 * dropped whenever the store's revision moves (a write here, on another worker or on another node), so a policy
 * change — a revocation above all — applies from the very next request.
 */
import type { OidcProviderRecord, RoleRecord, SamlProviderRecord, Store, Tag, UserRecord } from '../store/store.js';
import { parsePolicy, PolicySyntaxError, type Policy, type PolicyKind } from '../policy/index.js';
import { roleArn } from './principal.js';
import { readSamlMetadata, type SamlProviderEntry } from '../federation/saml-provider.js';

export type { SamlProviderEntry };

export interface RoleEntry {
  role: RoleRecord;
  arn: string;
  /** The trust policy: the role's resource-based policy for sts:AssumeRole. */
  trust: Policy;
  /** Identity-based: inline and attached managed policies. */
  policies: Policy[];
  /** The role's permissions boundary; undefined when it has none. */
  boundary?: Policy[];
  tags: Tag[];
}

export interface SessionPolicy {
  policy: Policy;
  compact: string;
}

export interface UserEntry {
  user: UserRecord;
  /** Identity-based: the user's inline and attached policies and those of its groups. */
  policies: Policy[];
  /** The user's permissions boundary (not its groups': groups have none); undefined when it has none. */
  boundary?: Policy[];
}

/**
 * A policy that allows nothing: what a session policy or permissions boundary ARN that no longer names a policy
 * stands for, so that a limit that is gone still limits (fails closed).
 */
export const NOTHING: Policy = { kind: 'identity', version: '2012-10-17', statements: [] };

const MAX_ENTRIES = 50_000;
const MAX_SESSION_POLICIES = 10_000;
const MAX_GROUPS = 1000;

export class EntityCache {
  private revision = -1;
  private readonly roles = new Map<string, Promise<RoleEntry | undefined>>();
  private readonly roleIds = new Map<string, Promise<string | undefined>>();
  private readonly users = new Map<string, Promise<UserEntry | undefined>>();
  private readonly managed = new Map<string, Promise<Policy | undefined>>();
  private readonly providers = new Map<string, Promise<OidcProviderRecord | undefined>>();
  private readonly samlProviders = new Map<string, Promise<SamlProviderEntry | undefined>>();
  /** Parsed session policies by text: they arrive in requests and in tokens, the same few again and again. */
  private readonly sessionPolicies = new Map<string, SessionPolicy | PolicySyntaxError>();

  constructor(private readonly store: Store) {}

  /** The role with this id, or undefined when it is gone. */
  role(roleId: string): Promise<RoleEntry | undefined> {
    return this.cached(this.roles, roleId, () => this.loadRole(roleId));
  }

  /** The account's role with this name (any case). */
  async roleByName(accountId: string, roleName: string): Promise<RoleEntry | undefined> {
    const key = `${accountId}/${roleName.toLowerCase()}`;
    const id = await this.cached(
      this.roleIds,
      key,
      async () => (await this.store.getRoleByName(accountId, roleName))?.roleId,
    );
    return id === undefined ? undefined : this.role(id);
  }

  user(userId: string): Promise<UserEntry | undefined> {
    return this.cached(this.users, userId, () => this.loadUser(userId));
  }

  /** A managed policy's default version, parsed; undefined when no such policy exists. */
  managedPolicy(arn: string): Promise<Policy | undefined> {
    return this.cached(this.managed, arn, async () => {
      const p = await this.store.getManagedPolicy(arn);
      if (!p) return undefined;
      const v = await this.store.getPolicyVersion(p.policyId, p.defaultVersionId);
      return v && parsePolicy(v.document, 'identity');
    });
  }

  /** An OpenID Connect provider, by ARN: AssumeRoleWithWebIdentity reads it on every call. */
  oidcProvider(arn: string): Promise<OidcProviderRecord | undefined> {
    return this.cached(this.providers, arn, () => this.store.getOidcProvider(arn));
  }

  /** A SAML provider, by ARN, with its metadata read once: AssumeRoleWithSAML reads it on every call. */
  samlProvider(arn: string): Promise<SamlProviderEntry | undefined> {
    return this.cached(this.samlProviders, arn, async () => {
      const record = await this.store.getSamlProvider(arn);
      // The metadata was checked when it was stored; a document that no longer reads would throw here (a 500).
      return record && { record, metadata: readSamlMetadata(record.metadata) };
    });
  }

  /** A session policy parsed (throws PolicySyntaxError like parsePolicy), from a bounded cache. */
  sessionPolicy(text: string): Policy {
    return this.parsedSessionPolicy(text).policy;
  }

  /** The policy and its compact text (minified JSON, as tokens carry it). */
  parsedSessionPolicy(text: string): SessionPolicy {
    let hit = this.sessionPolicies.get(text);
    if (hit === undefined) {
      try {
        hit = { policy: parsePolicy(text, 'session'), compact: JSON.stringify(JSON.parse(text)) };
      } catch (err) {
        if (!(err instanceof PolicySyntaxError)) throw err;
        hit = err;
      }
      if (this.sessionPolicies.size >= MAX_SESSION_POLICIES) this.sessionPolicies.clear();
      this.sessionPolicies.set(text, hit);
    }
    if (hit instanceof PolicySyntaxError) throw new PolicySyntaxError(hit.message);
    return hit;
  }

  private cached<V>(map: Map<string, Promise<V>>, key: string, load: () => Promise<V>): Promise<V> {
    this.checkRevision();
    let p = map.get(key);
    if (!p) {
      const rev = this.revision;
      p = load();
      if (map.size >= MAX_ENTRIES) map.clear();
      map.set(key, p);
      // A load that raced with a write, or failed, must not stay cached.
      p.then(
        () => {
          if (rev !== this.revision) map.delete(key);
        },
        () => map.delete(key),
      );
    }
    return p;
  }

  private checkRevision(): void {
    const rev = this.store.revision();
    if (rev === this.revision) return;
    this.revision = rev;
    this.roles.clear();
    this.roleIds.clear();
    this.users.clear();
    this.managed.clear();
    this.providers.clear();
    this.samlProviders.clear();
  }

  private async loadRole(roleId: string): Promise<RoleEntry | undefined> {
    const role = await this.store.getRoleById(roleId);
    if (!role) return undefined;
    return {
      role,
      arn: roleArn(role.accountId, role.path, role.roleName),
      trust: parsePolicy(role.trustPolicy, 'trust'),
      policies: await this.identityPolicies([roleId]),
      boundary: await this.boundary(role.permissionsBoundary),
      tags: role.tags,
    };
  }

  private async loadUser(userId: string): Promise<UserEntry | undefined> {
    const user = await this.store.getUserById(userId);
    if (!user) return undefined;
    const groups = await this.store.listGroupsForUser(userId, { maxItems: MAX_GROUPS });
    return {
      user,
      policies: await this.identityPolicies([userId, ...groups.items.map((g) => g.groupId)]),
      boundary: await this.boundary(user.permissionsBoundary),
    };
  }

  private async boundary(arn: string | undefined): Promise<Policy[] | undefined> {
    return arn === undefined ? undefined : [(await this.managedPolicy(arn)) ?? NOTHING];
  }

  private async identityPolicies(ownerIds: string[]): Promise<Policy[]> {
    const [inline, attached] = await Promise.all([
      this.store.listInlinePolicies(ownerIds),
      this.store.attachedPolicyDocuments(ownerIds),
    ]);
    const parse = (text: string, kind: PolicyKind) => parsePolicy(text, kind);
    return [...inline.map((p) => parse(p.document, 'identity')), ...attached.map((p) => parse(p.document, 'identity'))];
  }
}
