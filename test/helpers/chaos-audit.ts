/**
 * The auditor of the chaos tests: reconciles the bank's books (ledger-host.ts) with what each POS was told
 * (chaos-pos.ts), once the gateway's SAF queue has drained, by the promises of docs/gateway.md and docs/operations.md:
 * - a POS told "approved" => the bank holds that approval, not reversed ("a crash never reverses a purchase that was
 *   approved to the POS");
 * - a POS not told "approved" (a decline, the gateway's own answer, no answer, a closed connection) => the bank holds
 *   no approval for it, or holds it reversed ("an approval whose client has gone is reversed", "every add without a
 *   done is sent by the next start"). One exception the docs make: a purchase whose outcome was durable (`done`
 *   `not-needed` in the journal the killed gateway left) is never reversed by a later start ("a crash never reverses
 *   a purchase that was approved to the POS": the outcome is recorded before the answer is written), so a kill
 *   between that record and the answer's write leaves its terminal with no answer and the bank with the approval: "the
 *   terminal's own timeout and reversal rules apply" (docs/operations.md). Those are counted apart, and allowed only
 *   when the journal shows that record and the terminal saw its connection close;
 * - every transaction reached the bank once, and no approval was reversed twice (a repeat 0401 of a reversal counts
 *   once: only a second first-attempt 0400 is a double);
 * - the bank holds nothing no POS sent.
 * Reversals of transactions the bank never approved are harmless (docs/connector.md: "hosts answer it ... original not
 * found") and only counted.
 */
import type { Ledger } from './ledger-host.js';
import type { PosRecord } from './chaos-pos.js';

/** The counts a run prints, and what broke the promises. */
export interface Audit {
  counts: Record<string, number>;
  violations: string[];
}

/** Reconciles `ledger` with `records`. */
export function audit(ledger: Ledger, records: Map<string, PosRecord>, answeredOnDisk: Set<string>): Audit {
  const counts: Record<string, number> = {
    'pos approved': 0,
    'pos declined': 0,
    'pos gateway answer': 0,
    'pos no answer': 0,
    'host approved and kept': 0,
    'host approved then reversed': 0,
    'host declined': 0,
    'host left unanswered': 0,
    'host reversal repeats after the reversal': 0,
    'reversals of unknown transactions': ledger.reversalsOfUnknown,
    'reversals of unapproved transactions': ledger.reversalsOfUnapproved,
    'reversal attempts the host dropped': ledger.reversalsDropped,
    'originals after their reversal': ledger.originalsAfterReversal,
    'pos not approved, never reached the host': 0,
    'pos no answer, host approved and reversed': 0,
    'pos no answer, host approved, outcome durable before the kill (the terminal reverses)': 0,
  };
  const violations: string[] = [];
  for (const record of records.values()) {
    counts[`pos ${record.outcome.replace('-', ' ')}`] = (counts[`pos ${record.outcome.replace('-', ' ')}`] ?? 0) + 1;
    const entry = ledger.entries.get(record.key);
    const held = entry !== undefined && entry.decision === 'approve' && !entry.reversed;
    if (record.outcome === 'approved') {
      if (!held) violations.push(`${record.key}: the POS was told approved, the host ${entry === undefined ? 'never saw it' : entry.reversed ? 'reversed it' : `decided ${entry.decision}`}`);
      continue;
    }
    if (held && record.outcome === 'no-answer' && answeredOnDisk.has(record.key) && /^connection (closed|error)/.test(record.error ?? '')) {
      counts['pos no answer, host approved, outcome durable before the kill (the terminal reverses)']++;
      continue;
    }
    if (held) violations.push(`${record.key}: the POS was told ${record.outcome}${record.code === undefined ? '' : ` (${record.code})`}${record.error === undefined ? '' : ` (${record.error})`}, the host holds its approval, not reversed`);
    if (entry === undefined) counts['pos not approved, never reached the host']++;
    else if (record.outcome === 'no-answer' && entry.reversed) counts['pos no answer, host approved and reversed']++;
  }
  for (const entry of ledger.entries.values()) {
    if (!records.has(entry.key)) violations.push(`${entry.key}: the host holds a transaction no POS sent (${entry.decision})`);
    if (entry.originals > 1) violations.push(`${entry.key}: the original reached the host ${entry.originals} times`);
    if (entry.doubleReversals > 0) violations.push(`${entry.key}: reversed twice (${entry.doubleReversals} more first attempts after the reversal)`);
    counts['host reversal repeats after the reversal'] += entry.repeats;
    if (entry.decision === 'approve') counts[entry.reversed ? 'host approved then reversed' : 'host approved and kept']++;
    else counts[entry.decision === 'decline' ? 'host declined' : 'host left unanswered']++;
  }
  return { counts, violations };
}

/**
 * After the terminals' own reversals (chaos-pos.ts, `terminalReversals`): the books reconcile whole, with no exception
 * left: every purchase a terminal was not told approved is not approved at the bank or is reversed. Adds the counts of
 * those reversals to `counts`.
 */
export function auditAfterTerminals(ledger: Ledger, records: Map<string, PosRecord>, counts: Record<string, number>): string[] {
  const t = ledger.terminalReversals;
  counts['terminal reversals: reversed an approval'] = t.reversed;
  counts['terminal reversals: already reversed by the gateway'] = t.alreadyReversed;
  counts['terminal reversals: not approved'] = t.notApproved;
  counts['terminal reversals: never reached the host'] = t.unknown;
  const violations: string[] = [];
  for (const record of records.values()) {
    const entry = ledger.entries.get(record.key);
    if (record.outcome !== 'approved' && entry !== undefined && entry.decision === 'approve' && !entry.reversed) {
      violations.push(`${record.key}: the POS was told ${record.outcome}, the host holds its approval even after the terminal's reversal`);
    }
  }
  return violations;
}

/** The counts as lines for the test's output. */
export function formatCounts(counts: Record<string, number>): string[] {
  return Object.entries(counts).map(([k, v]) => `${k}: ${v}`);
}
