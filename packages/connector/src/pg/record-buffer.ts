/**
 * The records of the PostgreSQL transaction log that wait for the database, each already a row of COPY text, and the
 * promises their callers hold. The records recorded together (until the next batch is taken) share one promise, a
 * {@link Ticket}, as those of one batch of the file store do: one promise, one bookkeeping object, one handler per
 * group, never per record. A ticket resolves once every record of it is stored, and rejects as soon as one of them is
 * not (dropped, or refused by the database): its records were not all stored. Dropping stays exact, record by
 * record: a full buffer drops its oldest records and keeps every other one, whatever ticket they share.
 */

/** The promise shared by the records recorded together, and how many of them are not stored yet. */
export class Ticket {
  readonly promise: Promise<void>;
  resolve!: () => void;
  reject!: (err: Error) => void;
  /** Records of the ticket not stored yet. */
  pending = 0;
  settled = false;

  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Marked handled: a caller who does not wait for it must not crash the process when it rejects.
    this.promise.catch(() => undefined);
  }
}

/** Records taken from the buffer together (a batch in flight, or records dropped): their rows and their tickets, side by side. */
export interface BufferedRecords {
  readonly rows: string[];
  readonly tickets: Ticket[];
  /** The place of the first record in the order records were pushed (see {@link RecordBuffer.first}). */
  readonly first?: number;
}

/** Settles what `records` hold as stored: a ticket resolves with its last record. */
export function settleStored(records: BufferedRecords): void {
  for (const t of records.tickets) {
    t.pending -= 1;
    if (t.pending === 0 && !t.settled) {
      t.settled = true;
      t.resolve();
    }
  }
}

/** Records in order, oldest first, with their tickets. */
export class RecordBuffer {
  private rows: string[] = [];
  private tickets: Ticket[] = [];
  /** The ticket the next record joins; a new one after a batch is taken or a ticket is rejected. */
  private open: Ticket | undefined;
  /**
   * The place, in the order records were pushed (0, 1, 2, ...), of the oldest record waiting: every record before it
   * has left the buffer (taken, or dropped). A batch taken and put back brings it back to that batch's first record.
   */
  private firstAt = 0;

  /** How many records wait. */
  get length(): number {
    return this.rows.length;
  }

  /** The place of the oldest record waiting (of the next one pushed when none waits). */
  get first(): number {
    return this.firstAt;
  }

  /** The place the next record pushed will have: every record pushed so far is before it. */
  get next(): number {
    return this.firstAt + this.rows.length;
  }

  /** Adds a record (its COPY row); resolves once it and the records that share its promise are stored. */
  push(row: string): Promise<void> {
    let ticket = this.open;
    if (ticket === undefined) this.open = ticket = new Ticket();
    ticket.pending += 1;
    this.rows.push(row);
    this.tickets.push(ticket);
    return ticket.promise;
  }

  /** Takes the oldest `max` records (all of them when fewer wait); records added from now on get a new promise. */
  take(max: number): BufferedRecords {
    this.open = undefined;
    const first = this.firstAt;
    if (this.rows.length <= max) {
      const all = { rows: this.rows, tickets: this.tickets, first };
      this.firstAt += this.rows.length;
      this.rows = [];
      this.tickets = [];
      return all;
    }
    this.firstAt += max;
    return { rows: this.rows.splice(0, max), tickets: this.tickets.splice(0, max), first };
  }

  /** Puts records taken back in front, as they were (a batch the database did not take; no spread of a long array). */
  putBack(records: BufferedRecords): void {
    this.rows = records.rows.concat(this.rows);
    this.tickets = records.tickets.concat(this.tickets);
    this.firstAt = records.first ?? this.firstAt - records.rows.length;
  }

  /**
   * Drops the oldest `count` records (all with `Infinity`) after the first `skip` (a batch in doubt, kept whole in
   * front): their tickets reject with `error`; returns how many went. The records kept in front are counted as if they
   * came after those dropped (their places move on by as many), so that {@link next} stays the place of the next push.
   */
  dropOldest(count: number, error: Error, skip = 0): number {
    const n = Math.min(count, this.rows.length - skip);
    if (n <= 0) return 0;
    this.rows.splice(skip, n);
    this.firstAt += n;
    this.reject({ rows: [], tickets: this.tickets.splice(skip, n) }, error);
    return n;
  }

  /** Rejects the tickets of `records` (taken and not stored) with `error`. */
  reject(records: BufferedRecords, error: Error): void {
    for (const t of records.tickets) {
      if (t.settled) continue;
      t.settled = true;
      t.reject(error);
      // Its later records get a promise of their own, one that can still resolve.
      if (t === this.open) this.open = undefined;
    }
  }
}
