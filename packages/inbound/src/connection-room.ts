/**
 * How many frames one connection may start (connection.ts): its messages in flight under `maxInFlightPerConnection`,
 * the endpoint's `maxInFlight` (in-flight-jobs.ts), the frames of this turn of the event loop (turns.ts); the frames
 * read and not started yet (`waiting`, then those the stream still holds as bytes), started in order as room comes
 * back. What the connection owes its client is here too: a message in flight or a frame read and not started.
 */
import type { Frame, MessageStream } from '@iso8583/codec';
import type { InFlightJobs } from './in-flight-jobs.js';
import { Turns } from './turns.js';

/** What {@link ConnectionRoom} asks of its connection. */
export interface RoomOwner {
  /** The connection's frame stream (made after the room). */
  stream(): MessageStream;
  /** The connection has gone: nothing more starts. */
  gone(): boolean;
  /** Every frame read now is dropped (the connection drains and reads on): room is unbounded, nothing starts. */
  discarding(): boolean;
  /** Starts one frame (counted by {@link ConnectionRoom.started} first). */
  start(frame: Frame): void;
  /** Called when the connection begins to wait for a place under the endpoint's `maxInFlight` (a debug line). */
  waits(): void;
  /** The connection's next turn, or a place free again under `maxInFlight`: it goes on (the same function each time). */
  readonly goOn: () => void;
  /** `goOn` threw when a place under `maxInFlight` was free for it (a bug, counted by in-flight-jobs.ts): said, closed. */
  readonly wakeThrew: (thrown: unknown) => void;
}

/** One connection's room to start frames, and the frames waiting for it. */
export class ConnectionRoom {
  /** The connection's messages in flight. */
  inFlight = 0;
  /** Frames read and not started yet, in order (before those the stream holds). */
  readonly waiting: Frame[] = [];
  /** The frames started in this turn of the event loop. */
  readonly #turns: Turns;

  /** `max`: `maxInFlightPerConnection`. */
  constructor(private readonly owner: RoomOwner, private readonly jobs: InFlightJobs, private readonly max: number) {
    this.#turns = new Turns(() => owner.goOn());
  }

  /**
   * The frames this connection can start now (in this turn, under `maxInFlightPerConnection` and `maxInFlight`): the
   * stream cuts no more than that from a read, the rest stays held as bytes (one read's worth, not an object per
   * frame) until there is room. At the endpoint's bound the connection waits for a place (`waitForRoom`).
   */
  left(): number {
    if (this.owner.discarding()) return Infinity;
    const endpointRoom = this.jobs.room;
    if (endpointRoom <= 0) this.waitForRoom();
    return Math.min(this.#turns.left, this.max - this.inFlight, endpointRoom);
  }

  /** At the endpoint's `maxInFlight`: reading pauses until a message of any connection ends (`goOn` then). */
  waitForRoom(): void {
    if (this.owner.gone() || !this.jobs.waitForRoom(this.owner.goOn, this.owner.wakeThrew)) return;
    this.owner.waits();
  }

  /** Something read is not answered yet: a message in flight, or a frame waiting (here or held by the stream). */
  get owed(): boolean {
    return this.inFlight > 0 || this.pending;
  }

  /** Frames read and not started (waiting here, or held by the stream). */
  get pending(): boolean {
    return this.waiting.length > 0 || this.owner.stream().holdsFrames;
  }

  /** The connection may read more now: under its own bound, nothing read left to start. */
  get open(): boolean {
    return this.inFlight < this.max && !this.pending;
  }

  /** A frame starts: counted in this turn, for the connection and for the endpoint. */
  started(): void {
    this.#turns.counted();
    this.inFlight++;
    this.jobs.started();
  }

  /** A message has ended (answered or dropped). */
  ended(): void {
    this.inFlight--;
    this.jobs.ended();
  }

  /**
   * Starts the frames that wait, then those the stream holds, while there is room (draining too: they were read). A
   * batch taken from the stream goes to `waiting` first and starts from its head, one room check a frame: a frame done
   * at once (a synchronous sequence, an undecodable frame) calls this again from `done`, and that call must go on with
   * the same batch, in order, not take the next one before this one's rest (a reversal before its original, more than
   * the limits at once).
   */
  startWaiting(): void {
    if (this.owner.discarding()) return; // nothing read before the close is left: what the stream holds came after it
    const stream = this.owner.stream();
    while (this.left() > 0 && !this.owner.gone()) {
      if (this.waiting.length === 0) {
        if (!stream.holdsFrames) return;
        const frames = stream.takeHeld(this.left());
        if (frames.length === 0) return;
        this.waiting.push(...frames);
      }
      this.owner.start(this.waiting.shift()!);
    }
  }

  /** Drops the frames read and not started (those in `waiting`, and the whole frames the stream still holds): how many. */
  dropWaiting(): number {
    const n = this.waiting.length;
    this.waiting.length = 0;
    return n + this.owner.stream().dropHeld();
  }
}
