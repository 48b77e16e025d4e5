/**
 * validate: the operation's input against the model's constraints, then the parameters that must be ARNs. A bad
 * input is a 400 before any authorization or lookup (AWS answers ValidationError for a malformed RoleArn, not
 * AccessDenied). Then the call the operation receives.
 */
import { checkArnParameters } from '../../protocol/arn-parameters.js';
import { errors } from '../../protocol/errors.js';
import { models } from '../../protocol/model.js';
import { readInput } from '../../protocol/query.js';
import type { RequestState } from './state.js';

export function validate(s: RequestState): void {
  const { service, op } = s;
  const model = models()[service];
  if (!op) throw errors.invalidAction(s.action!, s.version ?? model.metadata.apiVersion);
  const input = readInput(model, model.operations[op.name]?.input?.shape, s.params);
  s.input = input; // the audit log records it even when an ARN is refused
  checkArnParameters(service, op.name, input);
  const { req } = s;
  s.call = {
    input,
    caller: s.caller!,
    request: {
      id: s.requestId,
      region: s.region!,
      sourceIp: req.sourceIp,
      secureTransport: req.secureTransport,
      time: s.now,
      tokenVersion: s.tokenVersion,
      globalEndpoint: s.endpoint?.global === true,
    },
    app: s.app,
  };
}
