/**
 * One JSON line per Query API request at info: what an operator greps for when a caller says "it was refused".
 * Only references the request path made anyway (ids, names, codes): never a parameter value, so no secret key,
 * session token, TOTP code or password can reach the log. Debug adds the user agent, Host and the claimed key id.
 */
import type { Logger } from 'pino';
import { principalArn } from '../iam/principal.js';
import type { Reply } from './dispatch.js';

export interface RequestFacts {
  sourceIp: string;
  latencyMs: number;
  userAgent?: string;
  host?: string;
}

export function logRequest(log: Logger, reply: Reply, facts: RequestFacts): void {
  // Checked first so `--log-level warn` costs one comparison per request, not an object.
  if (!log.isLevelEnabled('info')) return;
  const line: Record<string, unknown> = {
    requestId: reply.requestId,
    service: reply.service,
    operation: reply.operation,
    principal: reply.caller ? principalArn(reply.caller.principal) : undefined,
    sourceIp: facts.sourceIp,
    status: reply.status,
    errorCode: reply.code,
    latencyMs: Math.round(facts.latencyMs * 1000) / 1000,
  };
  if (log.isLevelEnabled('debug')) {
    line.userAgent = facts.userAgent;
    line.host = facts.host;
    line.accessKeyId = reply.claimedAccessKeyId;
    line.region = reply.region;
  }
  log.info(line, 'request');
}
