/**
 * Outbound identity federation's switch: EnableOutboundWebIdentityFederation (makes the account's signing keys and
 * answers its issuer), DisableOutboundWebIdentityFederation (deletes the keys: tokens vended before can no longer be
 * verified, and the discovery endpoints answer 404), GetOutboundWebIdentityFederationInfo.
 */
import { newSigningKeys } from '../federation/outbound-federation.js';
import { errors } from '../protocol/errors.js';
import { operation } from '../service/operation.js';

export const enableOutboundWebIdentityFederation = operation({
  service: 'iam',
  name: 'EnableOutboundWebIdentityFederation',
  permission: () => ['iam:EnableOutboundWebIdentityFederation', '*'],
  handle: async ({ app, request }) => {
    const accountId = app.accountId;
    // Checked first so that a repeated call makes no keys; the store checks again atomically.
    if ((await app.store.getOutboundFederation(accountId))?.enabled) throw errors.featureEnabled();
    const keys = await newSigningKeys(app.master, accountId, request.time);
    if (!(await app.store.enableOutboundFederation(accountId, keys, request.time))) throw errors.featureEnabled();
    return { IssuerIdentifier: app.issuer(accountId) };
  },
});

export const disableOutboundWebIdentityFederation = operation({
  service: 'iam',
  name: 'DisableOutboundWebIdentityFederation',
  permission: () => ['iam:DisableOutboundWebIdentityFederation', '*'],
  handle: async ({ app, request }) => {
    if (!(await app.store.disableOutboundFederation(app.accountId, request.time))) throw errors.featureDisabled();
  },
});

export const getOutboundWebIdentityFederationInfo = operation({
  service: 'iam',
  name: 'GetOutboundWebIdentityFederationInfo',
  permission: () => ['iam:GetOutboundWebIdentityFederationInfo', '*'],
  handle: async ({ app }) => {
    const state = await app.outbound.get(app.accountId);
    // UNCONFIRMED: FeatureDisabled only for an account that never enabled it; once enabled and then disabled, the
    // issuer is still answered, with JwtVendingEnabled false.
    if (!state.known) throw errors.featureDisabled();
    return { IssuerIdentifier: app.issuer(app.accountId), JwtVendingEnabled: state.enabled };
  },
});
