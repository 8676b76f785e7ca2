/**
 * Routing rules of an upstream group: which named upstream a request goes to, read from the request itself. A rule
 * names its criteria (PAN prefix, message class, processing code, fields 32 and 100); a request matches a rule when it
 * meets every criterion the rule gives. Among the matching rules the longest PAN prefix wins, then the rule with more
 * criteria, then the first written. A rule with no criteria is the default route; two rules with the same criteria
 * (two default routes) are refused, the later could never win.
 */
import { getDialect } from '@iso8583/codec';
import type { Dialect, MessageInput } from '@iso8583/codec';
import { mtiText, wireField } from './match-key.js';

/** One routing rule. Every criterion given must hold; a rule with none is the default route. */
export interface RouteRule {
  /** The upstream (its name in the group) that matching requests go to. */
  upstream: string;
  /** A prefix of the PAN (field 2), digits: a BIN or card range. The longest matching prefix wins. Default: any PAN. */
  pan?: string;
  /**
   * The message class: the second digit of the MTI (1 authorization, 2 financial, 3 file action, 4 reversal,
   * 5 reconciliation, 6 administrative, 8 network management). Default: any class.
   */
  mtiClass?: string;
  /**
   * A prefix of the processing code (field 3) as it goes on the wire, e.g. `01` cash or `31` balance inquiry: a request
   * written `"3": "0"` or `"3": 0` is `000000` (matches `00`), `"3": 2000` is `002000` (a purchase: matches `00`, not
   * `20`). Default: any.
   */
  processingCode?: string;
  /** The acquiring institution identification code (field 32), exact. Default: any. */
  acquirer?: string;
  /** The receiving institution identification code (field 100), exact. Default: any. */
  receiver?: string;
}

/** The keys a routing rule may have: `upstream` and the criteria. */
const RULE_KEYS: ReadonlySet<string> = new Set(['upstream', 'pan', 'mtiClass', 'processingCode', 'acquirer', 'receiver']);

/**
 * The problems of a rule list (unknown upstream, non-digit criteria, a key that is no criterion: `bin` for `pan` would
 * otherwise make the rule a default route), one text per problem naming the rule.
 */
export function routeProblems(rules: readonly RouteRule[], upstreams: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  rules.forEach((rule, i) => {
    const at = `routes[${i}]`;
    if (typeof rule !== 'object' || rule === null) {
      problems.push(`${at}: must be an object`);
      return;
    }
    for (const key of Object.keys(rule)) {
      if (!RULE_KEYS.has(key)) problems.push(`${at}.${key}: is not a key of a routing rule (${[...RULE_KEYS].join(', ')})`);
    }
    if (!upstreams.has(rule.upstream)) problems.push(`${at}.upstream: no upstream is named ${JSON.stringify(rule.upstream)}`);
    // Strings only: a number (`mtiClass: 4`) would pass a pattern test (coerced) and then never match the MTI's digit.
    if (rule.pan !== undefined && !digits(rule.pan, 1, 19)) problems.push(`${at}.pan: must be a string of 1 to 19 digits`);
    if (rule.mtiClass !== undefined && !digits(rule.mtiClass, 1, 1)) problems.push(`${at}.mtiClass: must be a string of one digit`);
    if (rule.processingCode !== undefined && !digits(rule.processingCode, 1, 6)) {
      problems.push(`${at}.processingCode: must be a string of 1 to 6 digits`);
    }
    for (const k of ['acquirer', 'receiver'] as const) {
      const v = rule[k];
      if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 11)) problems.push(`${at}.${k}: must be 1 to 11 characters`);
    }
  });
  return problems.length > 0 ? problems : duplicateProblems(rules);
}

/** The criteria of a rule, in matching's order, as matching reads them: one given as `undefined` is absent. */
const CRITERIA = ['pan', 'mtiClass', 'processingCode', 'acquirer', 'receiver'] as const;

/**
 * A rule whose criteria are exactly those of an earlier rule (two default routes, two `pan: '4'`) can never win: every
 * request it matches goes to the earlier one (ties go to the first written), so an operator who meant a failover or a
 * split gets neither. One problem per such rule, naming it and the earlier one (index and upstream). Rules that only
 * overlap (a longer prefix, one criterion more) are not duplicates: matching picks the more specific.
 */
function duplicateProblems(rules: readonly RouteRule[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    const key = JSON.stringify(CRITERIA.map((c) => rule[c] ?? null));
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    const given = CRITERIA.filter((c) => rule[c] !== undefined).map((c) => `${c} ${JSON.stringify(rule[c])}`);
    const what = given.length === 0 ? 'a second default route (no criteria)' : `the same criteria (${given.join(', ')})`;
    const earlier = `routes[${first}] (upstream ${JSON.stringify(rules[first]?.upstream)})`;
    problems.push(`routes[${i}]: upstream ${JSON.stringify(rule.upstream)}, ${what} as ${earlier}: it can never match first (every such request goes to ${earlier}); remove one, or make it more specific`);
  });
  return problems;
}

/** True for a string of `min` to `max` digits (never a number: see `routeProblems`). */
function digits(v: unknown, min: number, max: number): boolean {
  return typeof v === 'string' && v.length >= min && v.length <= max && /^\d+$/.test(v);
}

/**
 * Picks the upstream of a request from the rules (checked beforehand with {@link routeProblems}). The request's fields
 * are read as `dialect` puts them on the wire (match-key.ts `wireField`), not as the caller wrote them; default: the
 * `iso87ascii` dialect (every built-in dialect's field 3 is `n 6`).
 */
export class Router {
  private readonly rules: readonly RouteRule[];
  private readonly dialect: Pick<Dialect, 'fields'>;

  constructor(rules: readonly RouteRule[], dialect: Pick<Dialect, 'fields'> = getDialect('iso87ascii')) {
    this.rules = rules;
    this.dialect = dialect;
  }

  /** Whether any rule is configured. */
  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The upstream name of the best matching rule, or `undefined` when none matches (and there is no default route). */
  route(message: MessageInput): string | undefined {
    if (this.rules.length === 0) return undefined;
    // Each field as the wire has it: a number 200 is MTI 0200 (class 2), a processing code "0" is 000000.
    const mti = mtiText(message['0']);
    const [pan, code, f32, f100] = ['2', '3', '32', '100'].map((f) => wireField(this.dialect, message, f));
    let best: RouteRule | undefined;
    let bestPan = -1;
    let bestCount = -1;
    for (const r of this.rules) {
      if (r.pan !== undefined && (pan === undefined || !pan.startsWith(r.pan))) continue;
      if (r.mtiClass !== undefined && mti[1] !== r.mtiClass) continue;
      if (r.processingCode !== undefined && (code === undefined || !code.startsWith(r.processingCode))) continue;
      if (r.acquirer !== undefined && f32 !== r.acquirer) continue;
      if (r.receiver !== undefined && f100 !== r.receiver) continue;
      const panLength = r.pan?.length ?? 0;
      const count = [r.mtiClass, r.processingCode, r.acquirer, r.receiver].filter((c) => c !== undefined).length;
      if (panLength > bestPan || (panLength === bestPan && count > bestCount)) {
        best = r;
        bestPan = panLength;
        bestCount = count;
      }
    }
    return best?.upstream;
  }
}
