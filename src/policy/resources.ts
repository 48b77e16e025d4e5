/**
 * The Resource / NotResource element: ARN patterns (ARN-aware wildcards, case-sensitive), some of which may
 * contain policy variables and are then resolved against each request's context.
 */
import type { RequestContext } from './context.js';
import { type GlobPart, type Matcher, PatternSet, STAR, compileGlob } from './matching.js';
import { type Template, parseTemplate, resolveTemplate, templateText } from './variables.js';

export class ResourceSet {
  /** The patterns as written. */
  readonly patterns: readonly string[];
  private readonly fixed: PatternSet;
  private readonly escaped: readonly Matcher[];
  private readonly templates: readonly Template[];

  /**
   * `foldServiceRegion`: match the service and region fields of the patterns without regard to case. IAM documents
   * neither way for those fields (real ARNs spell them in lower case), so evaluate.ts folds them where that grants
   * less: a Deny's Resource and an Allow's NotResource (document.ts).
   */
  constructor(patterns: readonly string[], variables: boolean, foldServiceRegion = false) {
    this.patterns = patterns;
    const fixed: string[] = [];
    const templates: Template[] = [];
    const escaped: Matcher[] = [];
    for (const written of patterns) {
      const p = foldServiceRegion ? lowerServiceRegion(written) : written;
      const t = parseTemplate(p, variables);
      if (t.dynamic) {
        templates.push(t);
      } else if (variables && p.includes('${')) {
        // Escapes such as ${*} make a literal star: compile the parts, not the text.
        escaped.push(compileGlob(t.parts as GlobPart[], 'resource'));
      } else {
        fixed.push(templateText(t.parts));
      }
    }
    this.fixed = new PatternSet(fixed, 'resource');
    this.escaped = escaped;
    this.templates = templates;
  }

  get matchesAll(): boolean {
    return this.fixed.matchesAll;
  }

  /**
   * Does the resource match any pattern? `ctx` is only called when a pattern has variables. A pattern whose
   * variable is unresolved counts as `unresolved`: false (matches nothing) unless the caller needs it to count as
   * a match, as an Allow with NotResource does (evaluate.ts).
   */
  test(resource: string, ctx: () => RequestContext, unresolved = false): boolean {
    if (this.fixed.test(resource)) return true;
    for (const m of this.escaped) if (m(resource)) return true;
    for (const t of this.templates) {
      const parts = resolveTemplate(t, ctx());
      if (parts === null ? unresolved : matchResolved(parts, resource)) return true;
    }
    return false;
  }
}

/** The pattern with its third and fourth fields (service, region) in lower case. */
function lowerServiceRegion(p: string): string {
  const c2 = nthColon(p, 2);
  const c4 = c2 < 0 ? -1 : nthColon(p, 2, c2 + 1);
  if (c4 < 0) return p;
  return p.slice(0, c2 + 1) + p.slice(c2 + 1, c4).toLowerCase() + p.slice(c4);
}

function nthColon(s: string, n: number, from = 0): number {
  let i = from - 1;
  for (let k = 0; k < n; k++) {
    i = s.indexOf(':', i + 1);
    if (i < 0) return -1;
  }
  return i;
}

/**
 * Matches a pattern whose variables were just substituted. The usual shapes (no wildcard, or one trailing `*`,
 * as in `arn:aws:s3:::bucket/home/${aws:username}/*`) are tested without compiling anything.
 */
function matchResolved(parts: readonly GlobPart[], resource: string): boolean {
  let literal = '';
  const last = parts.length - 1;
  for (let i = 0; i <= last; i++) {
    const p = parts[i]!;
    if (typeof p === 'string') {
      literal += p;
    } else if (p === STAR && i === last) {
      return resource.startsWith(literal);
    } else {
      return compileGlob(parts, 'resource')(resource);
    }
  }
  return resource === literal;
}
