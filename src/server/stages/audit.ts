/** audit: the request's CloudTrail-shaped event (audit-event.ts), appended to the audit log without waiting. */
import { auditEvent, type RequestOrigin } from '../audit-event.js';
import type { AuditLog } from '../audit-log.js';
import type { Reply } from './state.js';

export function audit(log: AuditLog, reply: Reply, origin: RequestOrigin): void {
  log.record(auditEvent(reply, origin));
}
