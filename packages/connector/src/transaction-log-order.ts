/**
 * The order of a day file's lines, checked as a query reads them (last first): the writer keeps each line's outcome
 * no later than the latest one after it (`latest`: its own, or with `stepBack` the one before it; give or take
 * `SLACK_MS` of drift between the wall clock and the latency's timer), for every pair of lines it writes one after
 * the other. A line that settled later than the intact line after it breaks that: either its own `at` was damaged into
 * a later time of its day (a flipped digit, still JSON and in its day), or the line after it was damaged into an
 * earlier one. The intact line before it tells which: when that one agrees with the line after (settled no later than
 * it), the line between is the damaged one, reported once (`ISO8583_WARN_TRANSACTION_LOG_CORRUPT`) and skipped, as
 * a search that stops before reaching it never serves it either; when it too settled later, the line after was the
 * damaged one (read at its damaged, earlier time; a search that would stop at it does not: transaction-log-read.ts).
 * The first line of a file that settled later than the line after it has no line before it to tell: it is taken as
 * the damaged one. The check holds a line back until the line before it is read (one line of lag), and checks only
 * lines read side by side: a line whose neighbour was not read (a search for a STAN reads only its lines and those
 * next to them; a 1 MiB read's edge) is taken as it is.
 */
import type { ReadLine } from './transaction-log-read.js';

/** Takes a line found in order; returns `true` to stop reading. */
export type TakeLine = (read: ReadLine, offset: number) => boolean;

/** A line held back: it settled later than the line after it (`ahead`, that line's latest outcome). */
interface Held {
  read: ReadLine;
  offset: number;
  ahead: number;
}

/** The order check of one file's lines (see the module comment), between the reader and the query's `take`. */
export class LineOrder {
  /** The latest outcome of the intact line read last (the line after the next one), while lines are read side by side. */
  private ahead: number | undefined;
  private held: Held | undefined;
  /** The byte offset of the line read last (intact or not). */
  private lastOffset = -1;

  constructor(
    private readonly take: TakeLine,
    /** Reports a line found out of order (its byte offset, why). */
    private readonly corrupt: (offset: number, why: string) => void,
    /** The drift allowed between the wall clock and the latency's timer (ms): `SLACK_MS`. */
    private readonly slack: number,
  ) {}

  /** Whether a line is held back: the line read next decides it (it must be read, not passed over). */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /**
   * A line read (`bytes` long, at `offset`; `read` undefined when it is not a record, already reported): passed on to
   * `take` once its order is known. Returns `true` when `take` stopped the search.
   */
  line(read: ReadLine | undefined, offset: number, bytes: number): boolean {
    const sideBySide = offset + bytes + 1 === this.lastOffset;
    this.lastOffset = offset;
    if (!sideBySide) {
      // The line after this one was not read: what it would have said is unknown.
      if (this.held !== undefined && this.pass(this.held.read, this.held.offset)) return true;
      this.held = undefined;
      this.ahead = undefined;
    }
    // A line that is not a record: the next intact one decides.
    if (read === undefined) return false;
    const settled = read.record.at + read.record.latencyMs;
    const held = this.held;
    if (held !== undefined) {
      this.held = undefined;
      if (settled > held.ahead + this.slack) {
        // This one too settled after the line ahead of the held one: that line was the damaged one, the held one stands.
        if (this.pass(held.read, held.offset)) return true;
      } else {
        this.corrupt(held.offset, 'settled after the line written next (its time is damaged into a later one): skipped');
      }
    }
    if (this.ahead !== undefined && settled > this.ahead + this.slack) {
      this.held = { read, offset, ahead: this.ahead };
      return false;
    }
    return this.pass(read, offset);
  }

  /** The file's first line was read (the search did not stop): a line still held has no line before it to tell. */
  end(): void {
    const held = this.held;
    this.held = undefined;
    if (held === undefined) return;
    if (held.offset === 0) this.corrupt(held.offset, 'settled after the line written next (its time is damaged into a later one): skipped');
    else this.pass(held.read, held.offset);
  }

  private pass(read: ReadLine, offset: number): boolean {
    this.ahead = read.latest;
    return this.take(read, offset);
  }
}
