/**
 * Condition operators, compiled at parse time.
 *
 * Semantics (IAM documentation, "Condition operators" and "Single-valued vs. multivalued context keys"):
 *
 * - Several operators in one Condition block, and several keys under one operator, are ANDed.
 *   Several values for one key are ORed: the key matches if it matches any value. For the negated operators
 *   (StringNotEquals, StringNotEqualsIgnoreCase, StringNotLike, NumericNotEquals, DateNotEquals,
 *   NotIpAddress, ArnNotEquals, ArnNotLike) the result is the negation of the positive operator, i.e. NOR:
 *   the key must match none of the values.
 * - Missing key (absent, null or an empty list), without a set qualifier: positive operators are false,
 *   negated operators are true, `...IfExists` forms are true.
 * - `ForAnyValue:` — true if at least one of the request's values satisfies the operator; false when the key
 *   is missing. With IfExists on a missing key the documentation gives both answers: false in an Allow, true in
 *   a Deny (the answer that grants less).
 * - `ForAllValues:` — true if every one of the request's values satisfies the operator; true when the key is
 *   missing or empty.
 *   With a negated operator each request value is tested with the negated operator (ForAllValues:StringNotEquals
 *   = none of the request's values is in the list).
 * - Without a qualifier on a multi-valued key, the key matches if any of its values matches (the positive
 *   operator), and the negated operators are the negation of that. UNCONFIRMED: AWS documents set operators as
 *   the way to use multi-valued keys, and does not spell out the unqualified case.
 * - Null: `"true"` is true when the key is absent (or an empty list), `"false"` when it is present. No IfExists form.
 * - ArnEquals and ArnLike are the same operator (both accept wildcards), as the documentation says. A value with
 *   fewer than six colon-separated fields holds in a Deny and fails in an Allow (ArnNotLike alike).
 * - Bool compares `true`/`false` case-insensitively; BinaryEquals compares base64 after decoding.
 * - Date values: ISO 8601 or epoch seconds; an unparsable date in a policy fails parsing
 *   ("The policy failed legacy parsing"). Unparsable numbers and addresses in a policy never match.
 * - Policy variables are substituted in String* and Arn* values (Version 2012-10-17 only). A value whose
 *   variable is unresolved matches nothing. For a negated operator, "not equal to an unknown value" cannot be
 *   decided, and the condition takes the answer that grants less: false in an Allow, true in a Deny (the deny then
 *   applies). UNCONFIRMED: AWS says only that an unresolved variable "can cause the entire statement to be invalid".
 */
import { type CidrBlock, cidrContains, parseCidr } from './addresses.js';
import { type ContextEntry, type RequestContext, canonicalBase64, parseNumber } from './context.js';
import { parseDate } from './dates.js';
import { type GlobPart, type Matcher, compileGlob } from './matching.js';
import { type Template, parseTemplate, resolveString, resolveTemplate, templateText } from './variables.js';

type Family = 'string' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn' | 'null';
type Relation = 'eq' | 'eqi' | 'like' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'arn' | 'null';

interface OperatorSpec {
  readonly name: string;
  readonly family: Family;
  readonly relation: Relation;
  readonly negated: boolean;
}

const SPECS: readonly OperatorSpec[] = [
  { name: 'StringEquals', family: 'string', relation: 'eq', negated: false },
  { name: 'StringNotEquals', family: 'string', relation: 'eq', negated: true },
  { name: 'StringEqualsIgnoreCase', family: 'string', relation: 'eqi', negated: false },
  { name: 'StringNotEqualsIgnoreCase', family: 'string', relation: 'eqi', negated: true },
  { name: 'StringLike', family: 'string', relation: 'like', negated: false },
  { name: 'StringNotLike', family: 'string', relation: 'like', negated: true },
  { name: 'NumericEquals', family: 'numeric', relation: 'eq', negated: false },
  { name: 'NumericNotEquals', family: 'numeric', relation: 'eq', negated: true },
  { name: 'NumericLessThan', family: 'numeric', relation: 'lt', negated: false },
  { name: 'NumericLessThanEquals', family: 'numeric', relation: 'lte', negated: false },
  { name: 'NumericGreaterThan', family: 'numeric', relation: 'gt', negated: false },
  { name: 'NumericGreaterThanEquals', family: 'numeric', relation: 'gte', negated: false },
  { name: 'DateEquals', family: 'date', relation: 'eq', negated: false },
  { name: 'DateNotEquals', family: 'date', relation: 'eq', negated: true },
  { name: 'DateLessThan', family: 'date', relation: 'lt', negated: false },
  { name: 'DateLessThanEquals', family: 'date', relation: 'lte', negated: false },
  { name: 'DateGreaterThan', family: 'date', relation: 'gt', negated: false },
  { name: 'DateGreaterThanEquals', family: 'date', relation: 'gte', negated: false },
  { name: 'Bool', family: 'bool', relation: 'eq', negated: false },
  { name: 'BinaryEquals', family: 'binary', relation: 'eq', negated: false },
  { name: 'IpAddress', family: 'ip', relation: 'in', negated: false },
  { name: 'NotIpAddress', family: 'ip', relation: 'in', negated: true },
  { name: 'ArnEquals', family: 'arn', relation: 'arn', negated: false },
  { name: 'ArnLike', family: 'arn', relation: 'arn', negated: false },
  { name: 'ArnNotEquals', family: 'arn', relation: 'arn', negated: true },
  { name: 'ArnNotLike', family: 'arn', relation: 'arn', negated: true },
  { name: 'Null', family: 'null', relation: 'null', negated: false },
];
const SPEC_BY_NAME = new Map(SPECS.map((s) => [s.name.toLowerCase(), s]));

/** The operator names this engine knows, without qualifier or IfExists. */
export const CONDITION_OPERATORS: readonly string[] = SPECS.map((s) => s.name);

export type SetQualifier = 'ForAnyValue' | 'ForAllValues';

export interface ParsedOperator {
  readonly spec: OperatorSpec;
  readonly qualifier: SetQualifier | undefined;
  readonly ifExists: boolean;
}

const OPERATOR_SHAPE = /^(?:(ForAnyValue|ForAllValues):)?(.*?)(IfExists)?$/i;

/**
 * Splits `ForAllValues:StringLikeIfExists` into its parts; undefined for an unknown operator.
 * UNCONFIRMED: operator names are matched case-insensitively.
 */
export function parseOperator(name: string): ParsedOperator | undefined {
  const m = OPERATOR_SHAPE.exec(name);
  if (!m) return undefined;
  const spec = SPEC_BY_NAME.get(m[2]!.toLowerCase());
  if (!spec) return undefined;
  const ifExists = m[3] !== undefined;
  if (ifExists && spec.family === 'null') return undefined; // "NullIfExists" is not an operator
  const q = m[1]?.toLowerCase();
  return {
    spec,
    qualifier: q === undefined ? undefined : q === 'foranyvalue' ? 'ForAnyValue' : 'ForAllValues',
    ifExists,
  };
}

/** Tests request value number `i` of `entry` against the policy values (the positive operator). */
type Predicate = (entry: ContextEntry, i: number) => boolean;

/** A compiled condition: one operator applied to one key. */
export interface Condition {
  /** The operator as written, e.g. `ForAnyValue:StringLike`. */
  readonly operator: string;
  /** The key as written, e.g. `aws:PrincipalTag/Team`. */
  readonly key: string;
  /** The values as written (numbers and booleans as text). */
  readonly values: readonly string[];
  test(ctx: RequestContext): boolean;
}

export interface ConditionOptions {
  /** Substitute policy variables (Version 2012-10-17). */
  readonly variables: boolean;
  /** Called for a value the policy grammar rejects; must throw. */
  readonly fail: (message: string) => never;
  /**
   * The condition belongs to a Deny statement. Where IAM's documentation leaves the answer open, a condition
   * takes the value that grants less: false in an Allow, true in a Deny. Default: an Allow.
   */
  readonly deny?: boolean;
}

/** Six colon-separated fields: the shape the Arn* operators compare field by field. */
function hasSixFields(text: string): boolean {
  let colons = 0;
  for (let i = text.indexOf(':'); i >= 0 && colons < 5; i = text.indexOf(':', i + 1)) colons++;
  return colons >= 5;
}
const matchesNothing: Matcher = () => false;
const matchesAnything: Matcher = () => true;

export const LEGACY_PARSE_FAILURE = 'The policy failed legacy parsing';

function numericPredicate(relation: Relation, wanted: readonly number[], view: 'numbers' | 'dates'): Predicate {
  const cmp: (a: number, b: number) => boolean =
    relation === 'lt'
      ? (a, b) => a < b
      : relation === 'lte'
        ? (a, b) => a <= b
        : relation === 'gt'
          ? (a, b) => a > b
          : relation === 'gte'
            ? (a, b) => a >= b
            : (a, b) => a === b;
  return (entry, i) => {
    const v = entry[view]()[i]!;
    if (Number.isNaN(v)) return false;
    for (const w of wanted) if (cmp(v, w)) return true;
    return false;
  };
}

/** A predicate over resolved string values, for StringEquals (`eq`) and StringEqualsIgnoreCase (`eqi`). */
function stringPredicate(relation: Relation, values: readonly string[]): Predicate {
  if (relation === 'eqi') {
    const set = new Set(values.map((v) => v.toLowerCase()));
    return (entry, i) => set.has(entry.lowerStrings()[i]!);
  }
  if (values.length === 1) {
    const only = values[0]!;
    return (entry, i) => entry.strings()[i] === only;
  }
  const set = new Set(values);
  return (entry, i) => set.has(entry.strings()[i]!);
}

function matchersPredicate(matchers: readonly Matcher[]): Predicate {
  if (matchers.length === 1) {
    const m = matchers[0]!;
    return (entry, i) => m(entry.strings()[i]!);
  }
  return (entry, i) => {
    const s = entry.strings()[i]!;
    for (const m of matchers) if (m(s)) return true;
    return false;
  };
}

class CompiledCondition implements Condition {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
  private readonly folded: string;
  private readonly op: ParsedOperator;
  /** For operators without variables: the predicate, compiled once. */
  private readonly staticPredicate: Predicate | undefined;
  /** For String* and Arn* operators with variables: the templates, resolved per request. */
  private readonly templates: readonly Template[] | undefined;
  /** Null: which presence states satisfy the condition. */
  private readonly nullWants: { absent: boolean; present: boolean } | undefined;
  private readonly deny: boolean;

  constructor(operator: string, op: ParsedOperator, key: string, values: readonly string[], opts: ConditionOptions) {
    this.operator = operator;
    this.op = op;
    this.key = key;
    this.folded = key.toLowerCase();
    this.values = values;
    this.deny = opts.deny === true;
    const { family, relation } = op.spec;
    switch (family) {
      case 'null': {
        const lower = values.map((v) => v.toLowerCase());
        this.nullWants = { absent: lower.includes('true'), present: lower.includes('false') };
        break;
      }
      case 'string':
      case 'arn': {
        const wildcards = relation === 'like' || relation === 'arn';
        const templates = values.map((v) => parseTemplate(v, opts.variables, wildcards));
        if (templates.some((t) => t.dynamic)) {
          this.templates = templates;
        } else if (wildcards) {
          // IAM: the Arn* operators check "each of the six colon-delimited components of the ARN" separately, and
          // say nothing of a value with fewer; such a value takes the answer that grants less: in an Allow the
          // condition does not hold (ArnLike matches nothing, ArnNotLike excludes everything), in a Deny it holds.
          const short = this.deny !== op.spec.negated ? matchesAnything : matchesNothing;
          this.staticPredicate = matchersPredicate(
            templates.map((t) =>
              relation === 'arn' && !hasSixFields(templateText(t.parts))
                ? short
                : compileGlob(t.parts as readonly GlobPart[], relation === 'arn' ? 'arn' : 'plain'),
            ),
          );
        } else {
          // Escapes (`${*}`, `${$}`...) are already resolved in the template's text.
          this.staticPredicate = stringPredicate(
            relation,
            templates.map((t) => templateText(t.parts)),
          );
        }
        break;
      }
      case 'numeric':
        this.staticPredicate = numericPredicate(relation, values.map(parseNumber), 'numbers');
        break;
      case 'date': {
        const dates = values.map((v) => {
          const t = parseDate(v);
          if (Number.isNaN(t)) opts.fail(LEGACY_PARSE_FAILURE);
          return t;
        });
        this.staticPredicate = numericPredicate(relation, dates, 'dates');
        break;
      }
      case 'bool': {
        const set = new Set(values.map((v) => v.toLowerCase()));
        this.staticPredicate = (entry, i) => set.has(entry.lowerStrings()[i]!);
        break;
      }
      case 'binary': {
        const set = new Set(values.map(canonicalBase64));
        this.staticPredicate = (entry, i) => set.has(entry.binaries()[i]!);
        break;
      }
      case 'ip': {
        const blocks = values.map(parseCidr).filter((b): b is CidrBlock => b !== null);
        this.staticPredicate = (entry, i) => {
          const ip = entry.ips()[i];
          if (!ip) return false;
          for (const b of blocks) if (cidrContains(b, ip)) return true;
          return false;
        };
        break;
      }
    }
  }

  /** The predicate for this request, or null when a negated operator has an unresolved variable (undecidable). */
  private predicate(ctx: RequestContext): Predicate | null {
    if (this.staticPredicate) return this.staticPredicate;
    const templates = this.templates!;
    const { relation, negated } = this.op.spec;
    if (relation === 'like' || relation === 'arn') {
      const matchers: Matcher[] = [];
      for (const t of templates) {
        const parts = resolveTemplate(t, ctx);
        if (parts === null) {
          if (negated) return null;
          continue;
        }
        matchers.push(compileGlob(parts, relation === 'arn' ? 'arn' : 'plain'));
      }
      return matchersPredicate(matchers);
    }
    const resolved: string[] = [];
    for (const t of templates) {
      const s = resolveString(t, ctx);
      if (s === undefined) {
        if (negated) return null;
        continue;
      }
      resolved.push(s);
    }
    return stringPredicate(relation, resolved);
  }

  test(ctx: RequestContext): boolean {
    const entry = ctx.getFolded(this.folded);
    const { qualifier, ifExists } = this.op;
    const { negated } = this.op.spec;
    if (this.nullWants) return entry === undefined ? this.nullWants.absent : this.nullWants.present;
    if (entry === undefined) {
      if (qualifier === 'ForAllValues') return true;
      // ForAnyValue is false on a missing key, IfExists is true on one: IAM does not say which wins, so the
      // answer is the one that grants less (true only in a Deny).
      if (qualifier === 'ForAnyValue') return ifExists && this.deny;
      return ifExists || negated;
    }
    const pred = this.predicate(ctx);
    // A negated operator against an unresolved variable: the answer that grants less (see the header).
    if (pred === null) return this.deny;
    const n = entry.values.length;
    if (qualifier === undefined) {
      let any = false;
      for (let i = 0; i < n && !any; i++) any = pred(entry, i);
      return negated ? !any : any;
    }
    if (qualifier === 'ForAnyValue') {
      for (let i = 0; i < n; i++) if (pred(entry, i) !== negated) return true;
      return false;
    }
    for (let i = 0; i < n; i++) if (pred(entry, i) === negated) return false;
    return true;
  }
}

/** Compiles one operator/key/values triple. The operator must already be known to parseOperator(). */
export function compileCondition(
  operator: string,
  key: string,
  values: readonly string[],
  opts: ConditionOptions,
): Condition {
  const op = parseOperator(operator);
  if (!op) return opts.fail(`Invalid Condition type : ${operator}`);
  return new CompiledCondition(operator, op, key, values, opts);
}
