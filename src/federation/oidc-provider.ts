/**
 * IAM OpenID Connect providers, named the AWS way: the provider of issuer `https://host/path` is
 * `arn:aws:iam::ACCOUNT:oidc-provider/host/path`, and trust policies name its claims `host/path:sub`, `host/path:aud`.
 */
import { PARTITION } from '../protocol/arn-parameters.js';

export const oidcProviderArn = (accountId: string, url: string) =>
  `arn:${PARTITION}:iam::${accountId}:oidc-provider/${url}`;

/**
 * An issuer URL as IAM keeps it (without `https://`), or undefined unless it is an https URL with a host and
 * neither query, fragment, credentials nor white space. Unlike AWS, a port is accepted: a self-hosted issuer may
 * listen on one.
 */
export function issuerUrl(url: string): string | undefined {
  if (!url.startsWith('https://') || /\s/.test(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (
    !parsed.hostname ||
    parsed.search ||
    parsed.hash ||
    url.includes('?') ||
    url.includes('#') ||
    parsed.username ||
    parsed.password
  )
    return undefined;
  return url.slice('https://'.length);
}
