/**
 * The outbound federation issuers' OpenID Connect discovery endpoints, unauthenticated GETs beside the Query API:
 * `<issuer>/.well-known/openid-configuration` and `<issuer>/.well-known/jwks.json`, where an issuer is
 * `<issuer base URL>/outbound/<account id>`. The path is accepted with the base URL's path in front or without it
 * (a proxy that strips it). An account that is not this server's, or has outbound federation disabled, is a 404.
 */
import { discoveryDocument, jwks } from '../federation/outbound-federation.js';
import type { App } from '../service/app.js';
import type { Http1Response } from './http1.js';

const DISCOVERY_PATH = /^(.*)\/outbound\/(\d{12})\/\.well-known\/(openid-configuration|jwks\.json)$/;
/** Consumers may cache both documents for an hour (keys change only when federation is disabled and enabled again). */
const CACHE_CONTROL = 'public, max-age=3600';

const json = (status: number, body: unknown, cache: string): Http1Response => ({
  status,
  headers: [
    ['Content-Type', 'application/json'],
    ['Cache-Control', cache],
  ],
  body: JSON.stringify(body),
});

const notFound = () =>
  json(404, { error: 'not_found', message: 'No outbound identity federation issuer here' }, 'no-store');

/** The answer to a discovery GET, or undefined when the path is not one of them. */
export async function discovery(app: App, url: string): Promise<Http1Response | undefined> {
  const q = url.indexOf('?');
  const m = DISCOVERY_PATH.exec(q < 0 ? url : url.slice(0, q));
  if (!m) return undefined;
  const [, prefix, accountId, document] = m;
  const basePath = app.issuerBaseUrl === undefined ? '' : new URL(app.issuerBaseUrl).pathname.replace(/\/+$/, '');
  if ((prefix !== '' && prefix !== basePath) || accountId !== app.accountId) return notFound();
  let state;
  try {
    state = await app.outbound.get(accountId!);
  } catch {
    return json(503, { error: 'unavailable', message: 'The store cannot be reached; try again later' }, 'no-store');
  }
  if (!state.enabled) return notFound();
  const issuer = app.issuer(accountId!);
  return json(200, document === 'jwks.json' ? jwks(state) : discoveryDocument(issuer), CACHE_CONTROL);
}
