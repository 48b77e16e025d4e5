import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';
import { accountOfAccessKeyId } from '../tokens/ids.js';

/**
 * The account an access key id belongs to, for AKIA and ASIA ids of any account. Our ids encode their account, so
 * the answer needs no lookup; a known long-term key (for example a root key given at bootstrap) is looked up.
 */
export const getAccessKeyInfo = operation({
  service: 'sts',
  name: 'GetAccessKeyInfo',
  sessions: ['role'],
  permission: () => ['sts:GetAccessKeyInfo', '*'],
  handle: async ({ input, app }) => {
    const known = await app.directory.accessKey(input.AccessKeyId);
    const account = known?.accountId ?? accountOfAccessKeyId(input.AccessKeyId);
    // UNCONFIRMED: AWS's answer for an id that is not in its layout; we refuse it as invalid input.
    if (!account) throw errors.validation(`The access key ID '${input.AccessKeyId}' is not valid.`);
    return { Account: account };
  },
});
