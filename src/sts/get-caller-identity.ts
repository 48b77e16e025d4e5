import { principalArn, principalUserId } from '../iam/principal.js';
import { operation } from '../service/operation.js';

/** Who the credentials belong to. Needs no permission: even an explicit Deny cannot hide it. */
export const getCallerIdentity = operation({
  service: 'sts',
  name: 'GetCallerIdentity',
  sessions: ['session', 'role', 'federated'],
  // None: any authenticated caller may ask who it is; even an explicit Deny cannot hide it (as in AWS).
  permission: 'none',
  handle: ({ caller }) => ({
    UserId: principalUserId(caller.principal),
    Account: caller.principal.accountId,
    Arn: principalArn(caller.principal),
  }),
});
