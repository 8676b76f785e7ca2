/**
 * A bank that keeps books, for the chaos tests: a real TCP peer (the scripted bank of `bank.ts`) that approves,
 * declines or leaves unanswered each 0100/0200 by a seeded rule, and takes the reversals (0400/0401/0420/0421) that
 * name one, keeping a ledger an auditor can reconcile with what each POS was told. A transaction is keyed as the
 * gateway keys it towards the bank and as field 90 names it: terminal (41) + STAN (11) + transmission date and time (7).
 */
import type { IsoMessage } from '@iso8583/codec';
import { approve, startBank } from './bank.js';
import type { ScriptedBank } from './bank.js';

/** A deterministic pseudo-random generator (mulberry32): the same seed gives the same draws, in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the bank decided for an original. */
export type HostDecision = 'approve' | 'decline' | 'silent';

/** One transaction in the books. */
export interface LedgerEntry {
  key: string;
  /** Originals (0100/0200 and repeats) received under this key. */
  originals: number;
  /** The first decision taken (later originals of the key are declined and counted as doubles). */
  decision: HostDecision;
  /** The approval was reversed. */
  reversed: boolean;
  /** Reversal messages received for it after the first one that reversed it (0401/0421 repeats, or a second 0400). */
  repeats: number;
  /** A second first-attempt reversal (0400/0420, not a repeat) for an approval already reversed: a double reversal. */
  doubleReversals: number;
}

/** The books and the counts the auditor prints. */
export interface Ledger {
  entries: Map<string, LedgerEntry>;
  /** Reversals naming a key the bank never approved (a request that never left, or was declined): harmless, counted. */
  reversalsOfUnknown: number;
  /** Reversals naming a key the bank declined or left unanswered. */
  reversalsOfUnapproved: number;
  /** Reversal attempts the bank dropped on purpose (to make the gateway repeat them). */
  reversalsDropped: number;
  /** Originals that arrived after their key was reversed (a reversal overtaking its original): declined. */
  originalsAfterReversal: number;
  /** The terminals' own reversals (sent once the gateways' SAF queues drained), by what they found. */
  terminalReversals: { reversed: number; alreadyReversed: number; notApproved: number; unknown: number };
}

/** Hooks a chaos round arms to kill the gateway at a chosen point. */
export interface HostHooks {
  /** An original was received (before it is answered). */
  received?(request: IsoMessage): void;
  /** An approval was just written to the gateway's link. */
  approved?(request: IsoMessage): void;
  /** A reversal was received (before it is answered or dropped). */
  reversal?(request: IsoMessage): void;
}

/** Whose reversals the bank is taking: the gateways' (the SAF queue), or, once those drained, the terminals' own. */
export type ReversalPhase = 'gateway' | 'terminal';

/** A running ledger host. */
export interface LedgerHost {
  bank: ScriptedBank;
  ledger: Ledger;
  hooks: HostHooks;
  /** Whose reversals come now; default `gateway`. */
  phase: ReversalPhase;
  close(): Promise<void>;
}

/** Trims the padding an `an` field carries on the wire. */
function text(message: IsoMessage, id: string): string {
  return String(message[id] ?? '').trim();
}

/** The ledger key of an original. */
export function originalKey(message: IsoMessage): string {
  return `${text(message, '41')}/${text(message, '11')}/${text(message, '7')}`;
}

/** The ledger key a reversal names: its terminal (41) and field 90's STAN and date and time. */
export function reversalKey(message: IsoMessage): string {
  const f90 = text(message, '90');
  return `${text(message, '41')}/${f90.slice(4, 10)}/${f90.slice(10, 20)}`;
}

/**
 * Starts the host. Its decision for an original is drawn from `seed` and the original's STAN, so a replay with the same
 * seed takes the same decisions: `approveShare` approved, `silentShare` left unanswered (the gateway times out and
 * reverses), the rest declined (51).
 */
export async function startLedgerHost(seed: number, shares: { approve: number; silent: number }): Promise<LedgerHost> {
  const ledger: Ledger = { entries: new Map(), reversalsOfUnknown: 0, reversalsOfUnapproved: 0, reversalsDropped: 0, originalsAfterReversal: 0,
    terminalReversals: { reversed: 0, alreadyReversed: 0, notApproved: 0, unknown: 0 } };
  const reversedUnknown = new Set<string>();
  const host: LedgerHost = {
    bank: await startBank(() => undefined),
    ledger,
    hooks: {},
    phase: 'gateway',
    close: () => host.bank.close(),
  };
  const draw = (stan: string, salt: number): number => seeded((seed ^ (Number(stan) * 2654435761)) + salt)();
  host.bank.onRequest((request, write) => {
    const mti = String(request['0']);
    if (mti[1] === '4') return reversal(request, mti, write);
    if (mti[1] !== '1' && mti[1] !== '2') return write(approve(request));
    host.hooks.received?.(request);
    const key = originalKey(request);
    const known = ledger.entries.get(key);
    if (known !== undefined || reversedUnknown.has(key)) {
      // The same transaction twice (or after its reversal): declined, so money is never doubled by the host; counted.
      if (known !== undefined) known.originals++;
      else ledger.originalsAfterReversal++;
      return write({ ...approve(request), '39': '94' });
    }
    const r = draw(text(request, '11'), 1);
    const decision: HostDecision = r < shares.approve ? 'approve' : r < shares.approve + shares.silent ? 'silent' : 'decline';
    ledger.entries.set(key, { key, originals: 1, decision, reversed: false, repeats: 0, doubleReversals: 0 });
    if (decision === 'silent') return;
    write(decision === 'approve' ? approve(request) : { ...approve(request), '39': '51' });
    if (decision === 'approve') host.hooks.approved?.(request);
  });

  function reversal(request: IsoMessage, mti: string, write: (reply: IsoMessage) => void): void {
    host.hooks.reversal?.(request);
    const key = reversalKey(request);
    const entry = ledger.entries.get(key);
    if (host.phase === 'terminal') {
      // A terminal's own reversal of a purchase it got no answer for: it may come after the gateway's (a duplicate the
      // bank answers and moves no money for), so it is counted apart from the gateway's sequence.
      const t = ledger.terminalReversals;
      if (entry === undefined) t.unknown++;
      else if (entry.decision !== 'approve') t.notApproved++;
      else if (entry.reversed) t.alreadyReversed++;
      else {
        entry.reversed = true;
        t.reversed++;
      }
      return write(entry === undefined ? { ...approve(request), '39': '25' } : approve(request));
    }
    const repeat = mti[3] === '1';
    // The first attempt an entry's reversal makes here is dropped by the seeded rule, so that repeats are exercised.
    if (!repeat && entry !== undefined && !entry.reversed && draw(text(request, '11'), 2) < 0.3) {
      ledger.reversalsDropped++;
      return;
    }
    if (entry === undefined) {
      ledger.reversalsOfUnknown++;
      reversedUnknown.add(key);
      return write({ ...approve(request), '39': '25' });
    }
    if (entry.decision !== 'approve') ledger.reversalsOfUnapproved++;
    else if (entry.reversed) {
      entry.repeats++;
      if (!repeat) entry.doubleReversals++;
    } else entry.reversed = true;
    write(approve(request));
  }
  return host;
}
