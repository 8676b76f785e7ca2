/**
 * The reversal a late approval calls for (reversal-overtaken.ts: its reversal overtook it at the host and undid
 * nothing), stored as a SAF entry of its own, with the amount the approval moved when it may (`ReversalPlan.approve`),
 * logged at `warn`. When the reversal it follows has not ended yet (the SAF queue's `followUp`), a failed store hands
 * it back, and the queue sends it in that one's place (logged at `error`: should the process stop before it is
 * answered, the next start repeats only the reversal it follows, which undid nothing: the approval then stands). When
 * that one ended already (the approval came after its answer), nothing else holds the transaction: a failed store is
 * tried again every `retryInterval` while the process runs (logged once at `error`, and at `info` once stored), and a
 * stop meanwhile logs it at `error` as NOT reversed.
 *
 * Every try of one approval's reversal is the same entry (one id): a failed add whose record may have been kept (a
 * shared store: a commit past the lease, or as the owner lock broke, or unseen) is either ended by that store (`FORGET`,
 * pg/saf-sql.ts; the next try makes it pending again) or claimed first by another node, which sends it; the next try
 * then finds it there (`ReversalJournal.add` resolves `'exists'`) and stores nothing: on this retry path the bank gets
 * one reversal of the approval, never two. The in-place path (a reversal sent from memory when its store failed) may
 * meet a store whose add committed as the owner lock broke: another node may then send the same reversal too, a
 * repeat (0401) the bank takes as one.
 *
 * A host that answers every repeat `25` again and sends another approval of the same booking after each (other bytes:
 * not the copy reversal-overtaken.ts pairs with nothing) would chain repeats without end: at most
 * {@link REPEATS_AGAIN_MAX} are stored per original (its transaction and original data elements, `originalName`) in
 * {@link REPEATS_AGAIN_FOR_MS}; the next approval is logged at `error` (`ISO8583_WARN_SAF_REPEATS_CAPPED`, NOT reversed
 * again) for the operator to settle with the host, once per repeat id: a shared store's read of the repeats owed
 * (reversal-follow.ts `owed`, every minute while the row is owed) that names a repeat refused already refuses it again
 * without another line. The count is this process's: a restart counts afresh, and so does another node. But a repeat
 * refused is recorded in a shared store (`cap`: `ReversalJournal.capRepeat`, the row that calls for it dated), so that
 * no node stores it after, nor this one after a restart: the row is owed no more, and the refusal stands store-wide.
 */
import type { Dialect, IsoMessage, Iso8583Error } from '@iso8583/codec';
import type { SafHost } from './saf-event.js';
import type { ReversalAgain } from './reversal-overtaken.js';
import { OVERTAKEN_MAX } from './reversal-overtaken.js';
import type { ReversalPlan } from './reversal-message.js';
import { entryId } from './reversal-entry.js';
import { fieldText } from './match-key.js';
import { transactionIdentity } from './transactions-in-flight.js';

/**
 * Most reversals again (repeats late approvals call for, `0401`) stored per original by one process within
 * {@link REPEATS_AGAIN_FOR_MS}: a bank answers a reversal that overtook its original `25` once, maybe twice (a repeat
 * reaching a host node that has not seen the original yet); more is a host chaining approvals and `25`s. Three.
 */
export const REPEATS_AGAIN_MAX = 3;

/**
 * Milliseconds the repeats stored per original are counted from the last one (a repeat may wait long for its answer:
 * the host away, `saf.retryInterval` between attempts). At most {@link OVERTAKEN_MAX} originals are counted at once,
 * the least recently repeated forgotten first. A day.
 */
export const REPEATS_AGAIN_FOR_MS = 86_400_000;

/** Most repeat ids refused by the cap remembered per original (each logged once), the oldest forgotten first. Sixteen. */
const CAPPED_IDS_MAX = 16;

/**
 * What names the original a reversal (or its repeat) undoes, for the count of repeats: its transaction's identity (STAN,
 * terminal, acquirer, card mark: no card number) and its original data elements (field 90, 56 in 1993), or, without
 * them, its field 7 (unless the dialect sends a fresh one on every attempt).
 */
function originalName(dialect: Dialect, reversal: IsoMessage): string {
  const { key, acquirer, card } = transactionIdentity(dialect, reversal);
  return JSON.stringify([key, acquirer ?? null, card ?? null, originalData(dialect, reversal) ?? null]);
}

/**
 * The part of {@link originalName} that tells one original from another of the same STAN, terminal and card: field 90,
 * else 56, else field 7 (none when the dialect sends a fresh field 7 on every attempt).
 */
function originalData(dialect: Dialect, reversal: IsoMessage): string | undefined {
  return fieldText(reversal['90']) ?? fieldText(reversal['56']) ?? (dialect.reversal?.freshTransmissionTime === true ? undefined : fieldText(reversal['7']));
}

/** What a log line of a reversal again says of it (no card data: MTI, STAN, terminal). */
function named(reversal: IsoMessage): { mti: unknown; stan: unknown; terminal: unknown } {
  return { mti: reversal['0'], stan: reversal['11'], terminal: reversal['41'] };
}

/** What {@link ReversalsAgain.retry} resolves with: the try's value, or why it stopped (the stop; its window ended). */
export type Retried<T> = { readonly value: T } | 'stopped' | 'window';

/** The stores of the reversals late approvals call for, and their retries. */
export class ReversalsAgain {
  /** Reversals whose store failed, waiting for their next try (their timers). */
  private readonly retries = new Map<NodeJS.Timeout, IsoMessage>();
  /** Statements of a shared store waiting for their next try (`retry`): their timers, and how each ends at the stop. */
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private stopped = false;
  /** Repeat ids the cap refused whose record in the store (`cap`) failed, logged (once each), the oldest forgotten first. */
  private readonly unrecorded = new Set<string>();
  /**
   * The repeats stored per original (`originalName`): their entry ids (a shared store's id tried again counts once),
   * when the last was, and the ids the cap refused (logged once each); the least recently repeated first.
   */
  private readonly repeats = new Map<string, { readonly ids: readonly string[]; readonly at: number; readonly capped?: string[] }>();

  /**
   * @param plan How the connector's reversals are built (the approved amount).
   * @param host Its logger.
   * @param add Journals a reversal as SAF entry `id` and queues it once durable (the manager's `add`); resolves `false`
   *   when the store holds that id already and another node sends it (nothing queued here).
   * @param retryInterval Milliseconds between tries of a store that failed (`saf.retryInterval`).
   * @param dialect The connector's dialect (what names a reversal's original).
   * @param maxRepeats Most repeats stored per original (default {@link REPEATS_AGAIN_MAX}).
   * @param cap Records in the store a repeat the cap refused, so that no node stores it after, nor this one after a
   *   restart (`ReversalJournal.capRepeat`: a shared store's); default none (a store whose refused repeats nothing
   *   owes: the file journal's, from memory, with new ids).
   */
  constructor(
    private readonly plan: ReversalPlan,
    private readonly host: Pick<SafHost, 'logger'>,
    private readonly add: (message: IsoMessage, id: string) => Promise<boolean>,
    private readonly retryInterval: number,
    private readonly dialect: Dialect,
    private readonly maxRepeats = REPEATS_AGAIN_MAX,
    private readonly cap?: (id: string) => Promise<void>,
  ) {}

  /**
   * Stores the reversal `again` calls for; resolves `undefined` once it is durable, or (`inPlace`: the reversal it
   * follows has not ended) with it when it cannot be stored, for the SAF queue to send in that one's place; else a
   * failed store is tried again, as the same entry (see the file's opening comment). Never rejects. `id`: the entry's
   * id, a new one by default; a shared store's (`ReversalJournal.lateApproval`, `undidNothing`) is the same on every
   * node and try, so that the repeat is stored once however many nodes store it, and a node that stopped before its
   * store was durable left the row that calls for it as it was. Past {@link REPEATS_AGAIN_MAX} repeats of its original,
   * nothing is stored (see the file's opening comment): resolves `undefined`.
   */
  async store(again: ReversalAgain, inPlace: boolean, id = entryId()): Promise<IsoMessage | undefined> {
    const reversal = again.reversal;
    if (!this.counted(again, id)) {
      // Recorded for every node only when the original is named by its data (field 90, 56 or 7): without them two
      // transactions of one STAN, terminal and card in a day share a count, and a refusal recorded in the store would
      // leave a real repeat unsent on every node for good (sr66b #1); it stays this process's refusal.
      if (originalData(this.dialect, reversal) !== undefined) await this.recordCap(reversal, id);
      return undefined;
    }
    const currency = reversal['49'];
    const kept = this.plan.approve(reversal, again.approval, typeof currency === 'string' ? currency : '');
    // Said once per repeat this node stores (or fails to store): a copy of the approval finding its repeat already
    // stored (by an earlier try or copy, here or on another node) is not reversing again (sr67a #2).
    const reversing = (): void =>
      this.host.logger.warn(
        { code: 'ISO8583_WARN_SAF_REVERSED_AGAIN', mti: reversal['0'], stan: reversal['11'], responseCode: again.responseCode, ...(kept === undefined ? {} : { amountKept: kept }) },
        'a late approval came after its reversal was answered with a code that undid nothing: reversing it again',
      );
    try {
      if (await this.add(reversal, id)) reversing();
      else this.elsewhere(reversal);
      return undefined;
    } catch (err) {
      reversing();
      const code = (err as Iso8583Error | undefined)?.code;
      if (inPlace) {
        this.host.logger.error(
          { code: 'ISO8583_WARN_SAF_AGAIN_IN_MEMORY', cause: code, ...named(reversal) },
          'the reversal of a late approval could not be stored: sent from memory in place of the reversal it follows, whose entry stays open in the journal until it is answered; should the process stop before, a restart loses it (the next start repeats only the reversal it follows, which undoes nothing, and the late approval stands)',
        );
        return reversal;
      }
      this.host.logger.error({ code, ...named(reversal) }, 'the reversal of a late approval could not be stored: tried again every retryInterval while this process runs; NOT reversed until then');
      this.later(reversal, id);
      return undefined;
    }
  }

  /**
   * Counts the repeat `id` `again` calls for against its original's (`originalName`); false, logged at `error`, when
   * {@link REPEATS_AGAIN_MAX} were stored already (an id counted before, a shared store's tried again, is true), once
   * per id: an id refused before is refused again without a line.
   */
  private counted(again: ReversalAgain, id: string): boolean {
    const now = Date.now();
    for (const [name, { at }] of this.repeats) {
      if (now - at <= REPEATS_AGAIN_FOR_MS) break;
      this.repeats.delete(name);
    }
    const name = originalName(this.dialect, again.reversal);
    const counts = this.repeats.get(name);
    const ids = counts?.ids ?? [];
    if (!ids.includes(id) && ids.length >= this.maxRepeats) {
      const capped = counts?.capped ?? [];
      if (capped.includes(id)) return false; // refused and logged already (the repeats owed, read again)
      if (capped.push(id) > CAPPED_IDS_MAX) capped.shift();
      this.repeats.set(name, { ids, at: counts?.at ?? now, capped });
      this.host.logger.error(
        { code: 'ISO8583_WARN_SAF_REPEATS_CAPPED', ...named(again.reversal), responseCode: again.responseCode, repeats: ids.length },
        'a late approval came after the reversal of its transaction was repeated the most times a late approval may call for, each answered with a code that undid nothing: NOT reversed again; check with the host',
      );
      return false;
    }
    this.repeats.delete(name);
    this.repeats.set(name, { ids: ids.includes(id) ? ids : [...ids, id], at: now, ...(counts?.capped === undefined ? {} : { capped: counts.capped }) });
    if (this.repeats.size > OVERTAKEN_MAX) this.repeats.delete(this.repeats.keys().next().value as string);
    return true;
  }

  /**
   * Records in the store that the cap refused repeat `id` (`cap`), at every refusal (an id refused before, named again
   * by the repeats owed, is recorded again: a record that failed is tried again then, every minute). Never rejects: a
   * failure is logged once per id at `warn` (`ISO8583_WARN_SAF_CAP_NOT_RECORDED`); meanwhile this process refuses the
   * repeat still, but another node may store it.
   */
  private async recordCap(reversal: IsoMessage, id: string): Promise<void> {
    if (this.cap === undefined) return;
    try {
      await this.cap(id);
      this.unrecorded.delete(id);
    } catch (err) {
      if (this.unrecorded.has(id)) return;
      this.unrecorded.add(id);
      if (this.unrecorded.size > CAPPED_IDS_MAX) this.unrecorded.delete(this.unrecorded.values().next().value as string);
      this.host.logger.warn(
        { code: 'ISO8583_WARN_SAF_CAP_NOT_RECORDED', cause: (err as Iso8583Error | undefined)?.code, ...named(reversal) },
        'a repeat the cap refused could not be recorded in the shared store: refused here still, but another node may send it; recorded again when the repeats owed name it next',
      );
    }
  }

  /** The store holds entry `reversal` already (an earlier try's record, kept), and another node sends it. */
  private elsewhere(reversal: IsoMessage): void {
    this.host.logger.info(named(reversal), 'the reversal of a late approval is in the store already (an earlier try or copy of it stored it, on this node or another): sent from there, not again from here');
  }

  /** Tries the store of entry `id` again `retryInterval` from now (unless stopped: then it is logged as not reversed). */
  private later(reversal: IsoMessage, id: string): void {
    if (this.stopped) {
      this.host.logger.error({ code: 'ISO8583_WARN_SAF_AGAIN_NOT_STORED', ...named(reversal) }, 'the reversal of a late approval could not be stored before the stop: NOT reversed');
      return;
    }
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      this.add(reversal, id).then(
        (queued) => {
          if (queued) this.host.logger.info(named(reversal), 'the reversal of a late approval is stored now: being sent');
          else this.elsewhere(reversal);
        },
        () => this.later(reversal, id),
      );
    }, this.retryInterval);
    timer.unref();
    this.retries.set(timer, reversal);
  }

  /**
   * Tries `statement` (a shared store's, that does the same when run again: reversal-follow.ts) again every
   * `retryInterval` until it answers (`{ value }`), `until` (epoch ms) passes (`'window'`: not tried after it) or the
   * connector stops (`'stopped'`, at once). Never rejects.
   */
  retry<T>(statement: () => Promise<T>, until: number): Promise<Retried<T>> {
    return new Promise((resolve) => {
      const next = (): void => {
        if (this.stopped) return resolve('stopped');
        if (Date.now() + this.retryInterval > until) return resolve('window');
        const timer = setTimeout(() => {
          this.waits.delete(timer);
          statement().then((value) => resolve({ value }), next);
        }, this.retryInterval);
        timer.unref();
        this.waits.set(timer, () => resolve('stopped'));
      };
      next();
    });
  }

  /** Stops trying again (the connector stops): each reversal still not stored is logged at `error`, NOT reversed. */
  stop(): void {
    this.stopped = true;
    for (const [timer, stopped] of this.waits) {
      clearTimeout(timer);
      stopped();
    }
    this.waits.clear();
    for (const [timer, reversal] of this.retries) {
      clearTimeout(timer);
      this.host.logger.error({ code: 'ISO8583_WARN_SAF_AGAIN_NOT_STORED', ...named(reversal) }, 'the reversal of a late approval could not be stored before the stop: NOT reversed');
    }
    this.retries.clear();
  }
}
