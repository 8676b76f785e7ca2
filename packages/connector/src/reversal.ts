/**
 * Automatic reversal. An authorisation (01x0) or financial request (02x0) whose outcome is unknown — it timed out, or
 * the connection dropped after it was written — is reversed: a 0400 (or 0420 advice) with the original's fields and
 * field 90 (original data elements), repeated as 0401 (0421) every `retryInterval` until the host answers. The
 * reversal is journaled before the original leaves; a later start sends whatever the journal still holds.
 */
import type { IsoMessage, Iso8583Error, MessageInput, Dialect } from '@iso8583/codec';
import type { Logger } from 'pino';
import type { JournalEntry, JournalOutcome, ReversalJournal } from './journal.js';
import { wireValue } from './match-key.js';

/**
 * Fields never copied into a reversal (nor into the journal on disk): track 2 and 3 data (35, 36), track 1 (45),
 * the PIN block (52), security control information (53) and ICC/EMV data (55). The PAN (2) is kept: hosts need it to
 * find the original; the journal file is created with mode 0600.
 */
export const REVERSAL_EXCLUDED_FIELDS: readonly string[] = ['35', '36', '45', '52', '53', '55'];

/** True for the MTIs that are reversed when their outcome is unknown: 01x0 and 02x0 requests (not repeats, not advices). */
export function isReversible(mti: string): boolean {
  return mti.length === 4 && mti[0] === '0' && (mti[1] === '1' || mti[1] === '2') && mti[2] === '0';
}

function plain(value: MessageInput[string]): string | IsoMessage | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'object') {
    const out: IsoMessage = {};
    for (const [k, v] of Object.entries(value)) {
      const p = plain(v);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return String(value);
}

/**
 * The reversal of a request: its fields (minus {@link REVERSAL_EXCLUDED_FIELDS}), the reversal MTI, and field 90 =
 * original MTI (4) + STAN (6) + transmission date and time (10) + acquiring (11) and forwarding (11) institution ids.
 */
export function buildReversal(original: MessageInput, mti: string, dialect: Dialect): IsoMessage {
  const out: IsoMessage = {};
  for (const [field, value] of Object.entries(original)) {
    if (field === '1' || REVERSAL_EXCLUDED_FIELDS.includes(field)) continue;
    const p = plain(value);
    if (p !== undefined) out[field] = typeof p === 'string' ? wireValue(dialect.fields[field], p) : p;
  }
  const inst = (f: string): string => (typeof out[f] === 'string' ? (out[f] as string) : '').slice(-11).padStart(11, '0');
  const text = (f: string, n: number): string => (typeof out[f] === 'string' ? (out[f] as string) : '').padStart(n, '0').slice(-n);
  out['90'] = text('0', 4) + text('11', 6) + text('7', 10) + inst('32') + inst('33');
  out['0'] = mti;
  return out;
}

/** The reversal MTI of attempt `n` (1-based): the first is the configured MTI, the others its repeat (0401, 0421). */
export function attemptMti(base: string, attempt: number): string {
  return attempt <= 1 ? base : base.slice(0, 3) + '1';
}

/** What the reversal manager needs from its connector. */
export interface ReversalHost {
  /** Sends a message outside the per-terminal queue and without journaling; resolves with the response. */
  sendReversal(message: IsoMessage, timeout: number): Promise<IsoMessage>;
  /** Reports a reversal event (`reversal`). */
  reversalEvent(event: ReversalEvent): void;
  readonly logger: Logger;
}

/** A `reversal` event: what happened to a reversal. Never carries card data. */
export interface ReversalEvent {
  /** `queued` (journaled, original in flight), `sent` (an attempt left), `answered`, `abandoned`. */
  stage: 'sent' | 'answered' | 'abandoned';
  /** The journal entry id. */
  id: string;
  /** The MTI of the attempt. */
  mti: string;
  /** The STAN (field 11). */
  stan: string | undefined;
  /** The terminal (field 41). */
  terminal: string | undefined;
  /** The attempt number (1 = first). */
  attempt: number;
  /** The host's response code (field 39), once answered. */
  responseCode?: string;
  /** The amount reversed (field 4), once answered. */
  amount?: string;
}

interface Active {
  entry: JournalEntry;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
}

let sequence = 0;

/** Keeps reversals: armed (journaled, original in flight) and active (being sent until answered). */
export class ReversalManager {
  private readonly armed = new Map<string, JournalEntry>();
  private readonly active = new Map<string, Active>();
  private stopped = false;

  constructor(
    private readonly host: ReversalHost,
    readonly journal: ReversalJournal,
    readonly options: { readonly mti: string; readonly retryInterval: number; readonly maxAttempts: number; readonly requestTimeout: number },
    readonly dialect: Dialect,
  ) {}

  /** Reversals being sent (journaled, original's outcome unknown, not yet answered). */
  get pending(): number {
    return this.active.size;
  }

  /** Opens the journal and starts every reversal left unfinished by an earlier run. */
  async open(): Promise<number> {
    const left = await this.journal.open();
    for (const entry of left) this.activate(entry);
    return left.length;
  }

  /** Journals the reversal of `original` before it is sent; resolves once durable. */
  async arm(original: MessageInput): Promise<JournalEntry> {
    sequence = (sequence + 1) % 1_000_000;
    const entry: JournalEntry = {
      id: `${Date.now().toString(36)}-${process.pid.toString(36)}-${sequence.toString(36)}`,
      reversal: buildReversal(original, this.options.mti, this.dialect),
      at: Date.now(),
    };
    await this.journal.add(entry);
    this.armed.set(entry.id, entry);
    return entry;
  }

  /** The original's outcome is known (answered, or never written): no reversal. */
  disarm(entry: JournalEntry): void {
    if (!this.armed.delete(entry.id)) return;
    void this.finish(entry.id, 'not-needed');
  }

  /** The original's outcome is unknown: start reversing. */
  trigger(entry: JournalEntry): void {
    if (!this.armed.delete(entry.id)) return;
    this.activate(entry);
  }

  /** Stops sending (on close): what is unfinished stays in the journal for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const a of this.active.values()) clearTimeout(a.timer);
    await this.journal.close();
  }

  private activate(entry: JournalEntry): void {
    if (this.stopped || this.active.has(entry.id)) return;
    const a: Active = { entry, attempts: 0, timer: undefined };
    this.active.set(entry.id, a);
    this.attempt(a);
  }

  private attempt(a: Active): void {
    if (this.stopped) return;
    a.attempts += 1;
    const message: IsoMessage = { ...a.entry.reversal, '0': attemptMti(this.options.mti, a.attempts) };
    const base = {
      id: a.entry.id,
      mti: message['0'] as string,
      stan: typeof message['11'] === 'string' ? message['11'] : undefined,
      terminal: typeof message['41'] === 'string' ? message['41'] : undefined,
      attempt: a.attempts,
    };
    this.host.reversalEvent({ stage: 'sent', ...base });
    const timeout = Math.min(this.options.requestTimeout, this.options.retryInterval);
    const started = Date.now();
    this.host.sendReversal(message, timeout).then(
      (response) => {
        this.active.delete(a.entry.id);
        const rc = response['39'];
        const amount = a.entry.reversal['4'];
        // The event follows the journal record, so that a listener sees the reversal closed on disk too.
        void this.finish(a.entry.id, 'reversed').then(() =>
          this.host.reversalEvent({
            stage: 'answered',
            ...base,
            responseCode: typeof rc === 'string' ? rc : undefined,
            amount: typeof amount === 'string' ? amount : undefined,
          }),
        );
      },
      (err: Iso8583Error) => {
        if (this.stopped) return;
        const max = this.options.maxAttempts;
        if (max > 0 && a.attempts >= max) {
          this.active.delete(a.entry.id);
          this.host.logger.error({ ...base, code: err.code }, 'reversal abandoned after its last attempt');
          void this.finish(a.entry.id, 'abandoned').then(() => this.host.reversalEvent({ stage: 'abandoned', ...base }));
          return;
        }
        this.host.logger.warn({ ...base, code: err.code }, 'reversal not answered: will repeat');
        a.timer = setTimeout(() => this.attempt(a), Math.max(0, this.options.retryInterval - (Date.now() - started)));
        a.timer.unref();
      },
    );
  }

  private finish(id: string, outcome: JournalOutcome): Promise<void> {
    return this.journal.done(id, outcome).catch((err: Iso8583Error) => {
      this.host.logger.error({ id, code: err.code }, 'cannot mark a reversal done in the journal');
    });
  }
}
