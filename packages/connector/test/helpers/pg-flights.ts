/**
 * When each attempt of a node's SAF entries is over, and whether two nodes sent one entry at once (the churn probe,
 * pg-churn.ts; pg-owner-lock-takeover-flight.test.ts). {@link FlightJournal}: the real journal, which also keeps what
 * `attempt` resolves with (the `performance.now()` time by which the attempt is written and its answer's wait over:
 * `PgJournal.attempt`). A node's attempt is in flight from its `sent` event until then at the latest, or its next
 * event of that entry when that comes first. Not until that event alone: an unanswered attempt is followed by one
 * (`waiting`) only when its next attempt is not due at once; one due at once (the usual case: `retryInterval` from the
 * last one's start) is recorded first, which waits for the node's owner lock when it was lost, and is refused
 * (`released`) once another node took the entry over, maybe after that node sent it. {@link FlightWatch} counts the
 * overlaps.
 */
import { PgJournal } from '../../src/index.js';

/** A {@link PgJournal} that notes when each attempt's flight ends. */
export class FlightJournal extends PgJournal {
  private readonly flights = new Map<string, number>();

  override async attempt(id: string, attempt: number, flight?: number): Promise<number> {
    const ends = await super.attempt(id, attempt, flight);
    this.flights.set(`${id}/${attempt}`, ends);
    return ends;
  }

  /** When attempt `attempt` of entry `id` is over at the latest (`performance.now()`), once recorded. */
  flightEnd(id: string, attempt: number): number | undefined {
    return this.flights.get(`${id}/${attempt}`);
  }
}

/**
 * The attempts in flight of two or more nodes (each with its {@link FlightJournal}) as their `reversal` events and a
 * host's receipts show them: an overlap is a message of a key the host receives from one node while another node's
 * attempt of it is in flight (from its `sent` until its flight ends, or its next event of that key when that comes
 * first); a late write, an attempt written (`sent`) once its flight ended, or with none recorded. Each keeps the key's
 * timeline (ms from the watch's start: receipts, events, and the flight end of each `sent`): a failure explains itself.
 */
export class FlightWatch {
  /** Messages of a key received from one node while another's attempt of it was in flight. */
  readonly overlaps: Array<{ key: string; node: string; mti: string; timeline: string[] }> = [];
  /** Attempts written after their flight ended (or with none recorded). */
  readonly lateWrites: string[] = [];
  private readonly t0 = performance.now();
  private readonly timelines = new Map<string, string[]>();
  /** Per node: its keys in flight, each with the time its attempt's flight ends (`performance.now()`). */
  private readonly inFlight = new Map<string, Map<string, number>>();

  constructor(private readonly journals: Readonly<Record<string, FlightJournal>>) {
    for (const node of Object.keys(journals)) this.inFlight.set(node, new Map());
  }

  /** Node `node`'s `reversal` event `e` (its STAN the key). */
  event(node: string, e: { stage: string; id: string; attempt: number; stan?: string | undefined; code?: string | undefined }): void {
    const key = e.stan ?? '';
    this.note(key, `${node} ${e.stage} ${e.attempt}${e.code === undefined ? '' : ` ${e.code}`}`);
    const mine = this.inFlight.get(node) as Map<string, number>;
    if (e.stage === 'sent') {
      const ends = this.journals[node]?.flightEnd(e.id, e.attempt);
      this.note(key, `${node} attempt ${e.attempt} over by ${ends === undefined ? '?' : Math.round(ends - this.t0)}`);
      if (ends === undefined || performance.now() >= ends) this.lateWrites.push(`${node} ${key} attempt ${e.attempt}`);
      mine.set(key, ends ?? Infinity);
    } else if (e.stage !== 'queued') mine.delete(key);
  }

  /** The host received a message (`mti`) of key `key` from node `node`. */
  received(node: string, key: string, mti: string): void {
    this.note(key, `host <- ${node} ${mti}`);
    const now = performance.now();
    for (const [other, keys] of this.inFlight) {
      const ends = other === node ? undefined : keys.get(key);
      if (ends !== undefined && now < ends) this.overlaps.push({ key, node, mti, timeline: [...(this.timelines.get(key) ?? [])] });
    }
  }

  private note(key: string, what: string): void {
    this.timelines.set(key, [...(this.timelines.get(key) ?? []), `${Math.round(performance.now() - this.t0)} ${what}`]);
  }
}
