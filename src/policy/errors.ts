/**
 * The policy engine's typed errors. A document IAM refuses is a PolicySyntaxError whose message is AWS's
 * MalformedPolicyDocument message; the server maps it to that wire error in one place (src/server/wire-error.ts),
 * and a caller that answers otherwise (the policy simulator's InvalidInput) catches it by type.
 */
export class PolicySyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicySyntaxError';
  }
}
