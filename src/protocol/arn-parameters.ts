/**
 * Parameters that must be ARNs, checked in the validate stage (after the model's constraints, before any
 * authorization or lookup): the models type them as plain strings of 20 or more characters, so "not-an-arn-at-all"
 * passes the model, and without this check AssumeRole answered 403 AccessDenied and AttachRolePolicy 404 where AWS
 * answers 400 ValidationError. Declared per operation and member; each carries AWS's message for a value that is no ARN.
 */
import { echoed, errors } from './errors.js';
import type { ServiceName } from './model.js';

/** The partition of every ARN this server names. */
export const PARTITION = 'aws';

/**
 * An ARN as AWS parses it: `arn:partition:service:region:account:resource`, with partition, service and resource not
 * empty (region and account may be). Recorded against AWS (LocalStack's test_sts_invalid_parameters snapshot):
 * `nothing-valid-in-here`, `arn::b:::x/r` (no partition), `arn:a::::x/r` (no service), `arn:a:::x/r` (five parts) and
 * `arn:a:a::aaaaaaaaaa:` (no resource) are refused, `arn:a:b:::something/test-role` passes. A resource holding colons
 * (`resource-type:id`) passes: UNCONFIRMED.
 */
export function isArnSyntax(value: string): boolean {
  if (!value.startsWith('arn:')) return false;
  let start = 4;
  for (let part = 0; part < 4; part++) {
    const end = value.indexOf(':', start);
    if (end < 0) return false;
    if (part < 2 && end === start) return false; // partition, service
    start = end + 1;
  }
  return start < value.length; // resource
}

type Message = (value: string) => string;

/** STS's words (recorded against AWS for AssumeRole's RoleArn; UNCONFIRMED for the SAML and web identity ones). */
const stsInvalid: Message = (value) => `${echoed(value)} is invalid`;
/** IAM's words, two spaces included (recorded against AWS for AttachRolePolicy/AttachUserPolicy; UNCONFIRMED for the rest). */
const iamUnparsable: Message = () => 'Invalid ARN:  Could not be parsed!';

const ARN_PARAMETERS: Record<ServiceName, Record<string, Array<[member: string, message: Message]>>> = {
  sts: {
    AssumeRole: [['RoleArn', stsInvalid]],
    AssumeRoleWithWebIdentity: [['RoleArn', stsInvalid]],
    AssumeRoleWithSAML: [
      ['RoleArn', stsInvalid],
      ['PrincipalArn', stsInvalid],
    ],
  },
  iam: {
    AttachUserPolicy: [['PolicyArn', iamUnparsable]],
    AttachRolePolicy: [['PolicyArn', iamUnparsable]],
    AttachGroupPolicy: [['PolicyArn', iamUnparsable]],
    DetachUserPolicy: [['PolicyArn', iamUnparsable]],
    DetachRolePolicy: [['PolicyArn', iamUnparsable]],
    DetachGroupPolicy: [['PolicyArn', iamUnparsable]],
  },
};

/** Throws ValidationError if a declared ARN parameter of the operation is no ARN. */
export function checkArnParameters(service: ServiceName, operation: string, input: Record<string, unknown>): void {
  const declared = ARN_PARAMETERS[service][operation];
  if (!declared) return;
  for (const [member, message] of declared) {
    const value = input[member];
    if (typeof value === 'string' && !isArnSyntax(value)) throw errors.validation(message(value));
  }
}
