/** Every operation the server answers, by service and wire name. */
import * as accessKeys from '../iam-api/access-keys.js';
import * as users from '../iam-api/users.js';
import type { ServiceName } from '../protocol/model.js';
import type { Operation } from '../protocol/operation.js';
import { getAccessKeyInfo } from '../sts/get-access-key-info.js';
import { getCallerIdentity } from '../sts/get-caller-identity.js';
import { getSessionToken } from '../sts/get-session-token.js';

const all: Operation[] = [
  getCallerIdentity,
  getSessionToken,
  getAccessKeyInfo,
  ...Object.values(users),
  ...Object.values(accessKeys),
];

const byName = new Map<string, Operation>(all.map((op) => [`${op.service}:${op.name}`, op]));

export function findOperation(service: ServiceName, name: string): Operation | undefined {
  return byName.get(`${service}:${name}`);
}
