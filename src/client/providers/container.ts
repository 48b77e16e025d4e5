/** Credentials from a container credentials endpoint (ECS, EKS Pod Identity, `opensts credential-server --ecs`). */
import { readFileSync } from 'node:fs';
import type { AwsCredentials } from '../credential-process.js';
import { type HttpError, httpRequest } from '../http.js';
import type { Env } from '../shared-config.js';
import type { CredentialProvider } from '../sts-client.js';
import { CredentialsProviderError, checkNotExpired } from './errors.js';
import { memoize } from './memoize.js';

export interface FromContainerOptions {
  readonly env?: Env;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

const ECS_HOSTS = new Set(['169.254.170.2', '169.254.170.23', '[fd00:ec2::23]']);
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || /^127(\.\d{1,3}){3}$/.test(hostname) || hostname === '[::1]';
}

/**
 * GET AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http to a loopback or ECS/EKS agent address, as the
 * JS SDK allows) or http://169.254.170.2 + AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, with the token of
 * AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN.
 */
export function fromContainer(options: FromContainerOptions = {}): CredentialProvider {
  return memoize(
    async () => {
      const env = options.env ?? process.env;
      const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
      const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
      if (!relative && !full)
        throw new CredentialsProviderError(
          'No container credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI)',
          true,
        );
      let url: URL;
      try {
        url = new URL(relative ? `http://169.254.170.2${relative.startsWith('/') ? '' : '/'}${relative}` : full!);
      } catch {
        throw new CredentialsProviderError(`AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL: ${full}`);
      }
      if (
        url.protocol !== 'https:' &&
        !(url.protocol === 'http:' && (isLoopback(url.hostname) || ECS_HOSTS.has(url.hostname)))
      ) {
        throw new CredentialsProviderError(
          `AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address or the ECS/EKS agent (got ${url.protocol}//${url.host})`,
        );
      }
      let token: string | undefined;
      if (env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE) {
        try {
          token = readFileSync(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, 'utf8').trim();
        } catch (err) {
          throw new CredentialsProviderError(
            `Cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
          );
        }
      } else token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN || undefined;
      if (token !== undefined && /[\r\n]/.test(token))
        throw new CredentialsProviderError('The container authorization token contains a line break');
      const body = await httpGet(url, token ? { Authorization: token } : {}, options.timeoutMs ?? 2000);
      if (body.status !== 200) {
        throw new CredentialsProviderError(
          `The container credentials endpoint answered HTTP ${body.status}${body.text.trim() ? `: ${body.text.trim().slice(0, 200)}` : ''}`,
        );
      }
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(body.text) as Record<string, unknown>;
      } catch {
        throw new CredentialsProviderError('The container credentials endpoint did not answer with JSON');
      }
      const { AccessKeyId, SecretAccessKey, Token, Expiration, AccountId } = doc;
      if (typeof AccessKeyId !== 'string' || typeof SecretAccessKey !== 'string') {
        throw new CredentialsProviderError('The container credentials answer lacks AccessKeyId or SecretAccessKey');
      }
      const expiration = typeof Expiration === 'string' ? new Date(Expiration) : undefined;
      if (expiration && Number.isNaN(expiration.getTime()))
        throw new CredentialsProviderError(`The container credentials answer has an invalid Expiration: ${Expiration}`);
      const credentials: AwsCredentials = {
        accessKeyId: AccessKeyId,
        secretAccessKey: SecretAccessKey,
        ...(typeof Token === 'string' && Token && { sessionToken: Token }),
        ...(expiration && { expiration }),
        ...(typeof AccountId === 'string' && AccountId && { accountId: AccountId }),
      };
      return checkNotExpired(credentials, 'the container credentials endpoint', options.now ?? Date.now);
    },
    { now: options.now },
  );
}

async function httpGet(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  try {
    const res = await httpRequest({ method: 'GET', url, headers, timeoutMs });
    return { status: res.status, text: res.body.toString('utf8') };
  } catch (err) {
    throw new CredentialsProviderError(
      `Cannot reach the container credentials endpoint ${url.origin}: ${(err as HttpError).code ?? (err as Error).message}`,
    );
  }
}
