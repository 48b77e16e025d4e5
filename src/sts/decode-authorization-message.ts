import { decodeAuthorizationMessage as decode } from '../iam/authorization-message.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';

/**
 * The details of an authorization failure, from the encoded message that came with the AccessDenied (the
 * EncodedAuthorizationMessage element of the error), for callers allowed sts:DecodeAuthorizationMessage.
 */
export const decodeAuthorizationMessage = operation({
  service: 'sts',
  name: 'DecodeAuthorizationMessage',
  sessions: ['role'],
  permission: () => ['sts:DecodeAuthorizationMessage', '*'],
  handle: async ({ input, app }) => {
    const decoded = await decode(app.keyring, input.EncodedMessage);
    // UNCONFIRMED wording.
    if (decoded === undefined) throw errors.invalidAuthorizationMessage('The encoded message is not valid.');
    return { DecodedMessage: decoded };
  },
});
