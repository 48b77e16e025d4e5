/**
 * The signing keys of OpenID Connect issuers: `<issuer>/.well-known/openid-configuration` names the `jwks_uri`,
 * whose key set jose's remote JWK set fetches, caches and refetches when a token names a key it does not know
 * (rotation), at most every 30 s. Only issuers registered as IAM providers are ever asked, only over https (the
 * system's CAs, plus those of `--oidc-ca-file` for a private issuer), without redirects, within a timeout and a
 * size limit; one that could not be asked is left alone for a few seconds (by the injected clock).
 */
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../clock.js';

const TIMEOUT_MS = 5000;
const MAX_BODY_BYTES = 1 << 20;
/** How long a discovered jwks_uri is used before the discovery document is read again. */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
/** How long an issuer that could not be asked is not asked again: unsigned requests must not drive traffic to it. */
const RETRY_AFTER_MS = 5000;

/** The issuer could not be reached, or answered with something that is not its keys: STS's IDPCommunicationError. */
export class IssuerUnreachable extends Error {}

interface Reply {
  status: number;
  body: Buffer;
}

interface Discovered {
  jwksUri: string;
  keys: JWTVerifyGetKey;
  until: number;
}

export class IssuerKeys {
  private readonly ca: string[] | undefined;
  /** Issuers' discovered key sets (only registered providers' issuers are ever asked, so few). */
  private readonly known = new Map<string, Discovered>();
  private readonly pending = new Map<string, Promise<Discovered>>();
  private readonly failedUntil = new Map<string, number>();

  /** `extraCa`: PEM certificates trusted besides the system's (a private issuer's CA). */
  constructor(
    private readonly clock: Clock,
    extraCa?: string,
  ) {
    this.ca = extraCa ? [...rootCertificates, extraCa] : undefined;
  }

  /**
   * A key resolver for jose's jwtVerify: the issuer's key for a token's header. Throws IssuerUnreachable when the
   * keys cannot be had, and jose's JWKSNoMatchingKey when the issuer has no key for the token.
   */
  async resolverFor(issuer: string): Promise<JWTVerifyGetKey> {
    const { keys } = await this.discover(issuer);
    return async (header, token) => {
      try {
        return await keys(header, token);
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_JWKS_NO_MATCHING_KEY') throw err;
        // jose refetches a key set that failed on the next call; its own time-out bounds each attempt.
        throw new IssuerUnreachable('the key set could not be fetched', { cause: err });
      }
    };
  }

  private discover(issuer: string): Promise<Discovered> {
    const now = this.clock.now();
    const known = this.known.get(issuer);
    if (known && known.until > now) return Promise.resolve(known);
    if ((this.failedUntil.get(issuer) ?? 0) > now)
      return Promise.reject(new IssuerUnreachable(`${issuer} failed recently`));
    let pending = this.pending.get(issuer);
    if (!pending) {
      pending = this.readDiscovery(issuer)
        .then(
          (jwksUri) => {
            // The same key set (and its cache) while the issuer keeps its jwks_uri.
            const keys =
              known?.jwksUri === jwksUri
                ? known.keys
                : createRemoteJWKSet(new URL(jwksUri), {
                    timeoutDuration: TIMEOUT_MS,
                    [customFetch]: async (url, init) => toResponse(await this.get(url, init.signal)),
                  });
            const discovered = { jwksUri, keys, until: this.clock.now() + DISCOVERY_TTL_MS };
            this.known.set(issuer, discovered);
            this.failedUntil.delete(issuer);
            return discovered;
          },
          (err) => {
            this.failedUntil.set(issuer, this.clock.now() + RETRY_AFTER_MS);
            throw err;
          },
        )
        .finally(() => this.pending.delete(issuer));
      this.pending.set(issuer, pending);
    }
    return pending;
  }

  private async readDiscovery(issuer: string): Promise<string> {
    const reply = await this.get(
      `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
      AbortSignal.timeout(TIMEOUT_MS),
    );
    if (reply.status !== 200) throw new IssuerUnreachable(`the discovery document answered ${reply.status}`);
    let doc: unknown;
    try {
      doc = JSON.parse(reply.body.toString('utf8'));
    } catch {
      throw new IssuerUnreachable('the discovery document is not JSON');
    }
    const jwksUri = (doc as { jwks_uri?: unknown } | null)?.jwks_uri;
    if (typeof jwksUri !== 'string' || !jwksUri.startsWith('https://') || !URL.canParse(jwksUri)) {
      throw new IssuerUnreachable('the discovery document names no https jwks_uri');
    }
    return jwksUri;
  }

  /** An https GET, bounded in time and size; redirects are answers like any other (not followed). */
  private get(url: string, signal: AbortSignal): Promise<Reply> {
    return new Promise((resolve, reject) => {
      if (!url.startsWith('https://')) {
        reject(new IssuerUnreachable('only https URLs are fetched'));
        return;
      }
      const req = request(
        url,
        { method: 'GET', ca: this.ca, signal, headers: { accept: 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) req.destroy(new IssuerUnreachable('the answer is too large'));
            else chunks.push(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        },
      );
      // Refused connections, untrusted certificates, time-outs: all mean the issuer cannot be asked.
      req.on('error', (err) =>
        reject(
          err instanceof IssuerUnreachable ? err : new IssuerUnreachable(`${url} cannot be reached`, { cause: err }),
        ),
      );
      req.end();
    });
  }
}

/** What jose's fetch hook expects; any status but 200 fails the fetch, so only a 200 keeps its body. */
function toResponse(reply: Reply): Response {
  if (reply.status === 200) return new Response(reply.body.toString('utf8'), { status: 200 });
  return new Response(null, { status: reply.status >= 200 && reply.status <= 599 ? reply.status : 502 });
}
