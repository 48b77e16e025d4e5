/**
 * The Query protocol's other answer: the JSON that AWS's Query services send a client whose Accept header asks for
 * application/json (aws-iam-authenticator and other Kubernetes/EKS-style authenticators fetch a presigned
 * GetCallerIdentity that way and parse the JSON). The same model shapes as the XML (xml.ts), written as AWS writes
 * this legacy JSON:
 *
 * - `{"<Op>Response":{"<Op>Result":{...},"ResponseMetadata":{"RequestId":"..."}}}`: aws-iam-authenticator's
 *   getCallerIdentityWrapper parses exactly this, and a GetCallerIdentity answer recorded from AWS (the Zig AWS SDK's
 *   tests) has the Result first, then ResponseMetadata.
 * - Members in alphabetical order (that recording: Account, Arn, UserId, where the XML has Arn, UserId, Account;
 *   SQS's JSON answers sort the same way), absent members as null (SQS's and Elastic Beanstalk's JSON answers:
 *   UNCONFIRMED for STS, whose recorded answer has every member).
 * - Timestamps as epoch seconds, a number written as Java writes a double (`1.426966683448E9` in Elastic
 *   Beanstalk's, `1.515115602E9` for an Expiration in Cognito's).
 * - Lists as arrays, maps as objects, blobs as base64 strings.
 * - Errors as `{"Error":{"Code":..,"Message":..,"Type":"Sender"},"RequestId":".."}`: the body aws-iam-authenticator
 *   documents for STS's Throttling, and what SNS, SQS and CloudFormation send. Extra error members (an
 *   EncodedAuthorizationMessage) after Message: UNCONFIRMED.
 */
import type { AwsError } from './errors.js';
import { members, type Member, type MemberRef, type ServiceModel, type Shape } from './model.js';

/** A lone surrogate: JSON.stringify escapes it as `\udXXX`, which strict decoders (Go's) turn into U+FFFD anyway. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const HAS_SURROGATE = /[\ud800-\udfff]/;

/** A JSON string literal; text with lone surrogates gets U+FFFD in their place, as the XML path does. */
export function jsonString(s: string): string {
  return JSON.stringify(HAS_SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\ufffd') : s);
}

/** Epoch seconds as Java's Double.toString writes them: from 10^7 up, `d.dddE<n>` with at least one fraction digit. */
export function javaDouble(n: number): string {
  const abs = Math.abs(n);
  if (n === 0 || (abs >= 1e-3 && abs < 1e7)) {
    const s = String(n);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exponent] = n.toExponential().split('e');
  return `${mantissa!.includes('.') ? mantissa : `${mantissa}.0`}E${exponent!.replace('+', '')}`;
}

/** A structure's members sorted by wire name, worked out once per shape. */
const sortedMembers = new WeakMap<Shape, Member[]>();
function sorted(shape: Shape): Member[] {
  let list = sortedMembers.get(shape);
  if (!list) {
    list = [...members(shape)].sort((a, b) => (a.wireName < b.wireName ? -1 : a.wireName > b.wireName ? 1 : 0));
    sortedMembers.set(shape, list);
  }
  return list;
}

function renderValue(model: ServiceModel, ref: MemberRef, value: unknown): string {
  if (value === undefined || value === null) return 'null';
  const shape = model.shapes[ref.shape]!;
  switch (shape.type) {
    case 'structure':
      return renderStructure(model, shape, value as Record<string, unknown>);
    case 'list': {
      const items = (value as unknown[]).map((v) => renderValue(model, shape.member!, v));
      return `[${items.join(',')}]`;
    }
    case 'map': {
      const entries = Object.entries(value as Record<string, unknown>).map(
        ([k, v]) => `${jsonString(k)}:${renderValue(model, shape.value!, v)}`,
      );
      return `{${entries.join(',')}}`;
    }
    case 'timestamp':
      return javaDouble((value instanceof Date ? value.getTime() : Number(value)) / 1000);
    case 'blob':
      return JSON.stringify(
        Buffer.isBuffer(value) ? value.toString('base64') : Buffer.from(String(value)).toString('base64'),
      );
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      return Number.isFinite(Number(value)) ? String(Number(value)) : 'null';
    case 'boolean':
      return value === true || value === 'true' ? 'true' : 'false';
    default:
      return jsonString(String(value));
  }
}

function renderStructure(model: ServiceModel, shape: Shape, value: Record<string, unknown>): string {
  let out = '{';
  let first = true;
  for (const m of sorted(shape)) {
    out += `${first ? '' : ','}${JSON.stringify(m.wireName)}:${renderValue(model, m.ref, value[m.name])}`;
    first = false;
  }
  return out + '}';
}

/** The success document of an operation, as JSON. */
export function renderJsonResult(
  model: ServiceModel,
  operation: string,
  output: Record<string, unknown> | undefined,
  requestId: string,
): string {
  const op = model.operations[operation]!;
  let out = `{"${operation}Response":{`;
  if (op.output) {
    const wrapper = op.output.resultWrapper ?? `${operation}Result`;
    out += `"${wrapper}":${renderStructure(model, model.shapes[op.output.shape]!, output ?? {})},`;
  }
  return out + `"ResponseMetadata":{"RequestId":"${requestId}"}}}`;
}

/** The error document, as JSON. */
export function renderJsonError(error: AwsError, requestId: string): string {
  let details = '';
  for (const [name, value] of Object.entries(error.details ?? {}))
    details += `,${JSON.stringify(name)}:${jsonString(value)}`;
  return (
    `{"Error":{"Code":${jsonString(error.code)},"Message":${jsonString(error.message)}${details},"Type":"${error.type}"},` +
    `"RequestId":"${requestId}"}`
  );
}

/** Whether an Accept header asks for JSON (`application/json`, alone or among others). */
export function acceptsJson(accept: string | undefined): boolean {
  return accept !== undefined && accept.toLowerCase().includes('application/json');
}
