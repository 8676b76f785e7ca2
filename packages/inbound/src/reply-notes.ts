/**
 * What a connection keeps of each reply the kernel may still hold, for a reset of our own (codec recent-writes.ts: a
 * client flooding without reading, its close's read-out cut short): a note of fixed width in a table of typed arrays
 * (its MTI, STAN, terminal and response code as text, whether its line is capped, whether it is an approval), found
 * by the token the reply was written with. Per reply on the heap only, for a while, its result's hand-over to
 * `onLateResult` (`told`, which holds the request, its context and the result, about 1.7 KB):
 *
 * - kept only for an approval ({@link needsReversal}: a decline needs no reversal and is not handed over at such a
 *   reset), once the kernel took it, and only for the connection's newest {@link KEPT_REVERSIBLE};
 * - let go {@link HAND_OVER_HOLD_MS} after the kernel took it unless the socket was seen backed up (bytes waiting for
 *   the kernel: a client not reading) within that time or its close began (checked live: another connection's traffic
 *   or the queue's timer runs the process's queue, hand-over-queue.ts, and lets nothing go that its connection holds;
 *   one held then is let go at a later pass of the queue once no longer held, not at its connection's next reply). The
 *   hold is counted on the queue's clock, where a stalled event loop counts little: a hold lasts at least its time,
 *   seen. A client that reads lets them die young; one flooding without reading backs the writes up within
 *   milliseconds of the last replies the kernel takes, so those keep theirs.
 *
 * An approval a reset then loses without its hand-over is counted cut and reported `ISO8583_WARN_INBOUND_NOT_REVERSED`
 * (reply-write.ts), never counted delivered. The table grows by doubling up to {@link NOTES_MAX} notes (the codec's
 * `RESET_KEEP_MAX` taken plus as many not yet taken); a reply written when it is full has no note (counted delivered
 * should a reset lose it).
 */
import { RESET_KEEP_MAX, isApprovalClass, isNetworkManagement, mtiLabel, responseCodeLabel } from '@iso8583/codec';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import type { EndpointCore } from './core.js';
import { HAND_OVER_HOLD_MS, handOvers } from './hand-over-queue.js';
import type { HandOverQueue, QueuedNotes } from './hand-over-queue.js';

export { HAND_OVER_HOLD_MS };

/** The most hand-overs to `onLateResult` one connection keeps for replies a reset of our own may lose: 256. */
export const KEPT_REVERSIBLE = 256;

/** The most notes one connection holds: twice the codec's `RESET_KEEP_MAX` (32,768; 52 bytes each in typed arrays, plus a slot in the array of hand-overs). */
export const NOTES_MAX = 2 * RESET_KEEP_MAX;

/** A note's text: each field a length byte (255: absent) then its bytes, at these offsets and widths. */
const FIELDS = [
  { key: '0', at: 0, width: 8 },
  { key: '39', at: 9, width: 3 },
  { key: '11', at: 13, width: 12 },
  { key: '41', at: 26, width: 16 },
] as const;
const NOTE_BYTES = 43;
const ABSENT = 255;
const CAPPED = 1;
const APPROVAL = 2;
/** The field at that index was longer than its width (cut). */
const LONG = 4;

/**
 * Whether a reply its client may not have got could need a reversal: its field 39 is of the approval class in the
 * endpoint's dialect (codec `isApprovalClass`: a partial or VIP approval too), and it answers neither network
 * management (an echo's `00`) nor a reversal (`x4xx`).
 */
export function needsReversal(core: EndpointCore, reply: MessageInput): boolean {
  const mti = String(reply['0']);
  if (mti.length !== 4 || mti[1] === '4' || isNetworkManagement(mti)) return false;
  return isApprovalClass(core.codec.dialect, reply['39'], mti);
}

/** A reply a reset of our own threw away, as its note tells it. */
export interface LostReply {
  /** Its MTI, STAN, terminal and response code (as far as kept), as a message for its line and `onReply`. */
  readonly line: IsoMessage;
  /** Its MTI and response code as they were counted. */
  readonly label: { readonly mti: string; readonly rc: string };
  readonly capped: boolean;
  readonly approval: boolean;
  /** Its hand-over to `onLateResult`, if still kept. */
  readonly told: (() => void) | undefined;
}

/** One connection's notes (see the file's comment). */
export class ReplyNotes implements QueuedNotes {
  private text: Buffer | undefined;
  private flags: Uint8Array | undefined;
  private gens: Int32Array | undefined;
  private told: ((() => void) | undefined)[] = [];
  private free: Int32Array | undefined;
  private freeCount = 0;
  private size = 0;
  /** The hand-overs kept, oldest first from `head`: the note's slot, its generation, when its reply was taken. */
  private ringSlots: Int32Array | undefined;
  private ringGens: Int32Array | undefined;
  private ringAts: Float64Array | undefined;
  private head = 0;
  private count = 0;
  private backedUpAt = -Infinity;
  /** Entries of this connection in the process's queue ({@link HandOverQueue}). */
  queued = 0;
  /** True once its connection closed (its entries in the queue are skipped). */
  closed = false;

  /**
   * `holding`: whether the connection holds its hand-overs now, whatever their age (default: never): bytes wait for the
   * kernel (a client not reading), or its close began (from then on nothing is let go by age, as the codec's
   * `RecentWrites.freeze()`). Checked live, since another connection's traffic may be what lets a hand-over go.
   * `queue`: the queue that orders its hand-overs and whose clock it counts by (default the process's; tests give
   * their own, with a clock they drive).
   */
  constructor(
    private readonly holding: () => boolean = () => false,
    private readonly queue: HandOverQueue = handOvers,
  ) {}

  /** Hand-overs kept now (for tests: what the heap holds of them). */
  get keptHandOvers(): number {
    return this.told.reduce((n, told) => (told === undefined ? n : n + 1), 0);
  }

  /** Notes the token of `reply` (`told`: its hand-over, `capped`: its line's cap); -1 when the table is full. */
  note(core: EndpointCore, reply: MessageInput, told: (() => void) | undefined, capped: boolean): number {
    if (this.freeCount === 0 && !this.grow()) return -1;
    const slot = (this.free as Int32Array)[--this.freeCount] as number;
    const text = this.text as Buffer;
    let flags = capped ? CAPPED : 0;
    if (told !== undefined && needsReversal(core, reply)) flags |= APPROVAL;
    for (let k = 0; k < FIELDS.length; k++) {
      const f = FIELDS[k] as (typeof FIELDS)[number];
      const at = slot * NOTE_BYTES + f.at;
      const value = reply[f.key];
      if (value === undefined || value === null) {
        text[at] = ABSENT;
        continue;
      }
      const s = typeof value === 'string' ? value : String(value);
      text[at] = text.write(s, at + 1, f.width, 'latin1');
      if (s.length > f.width) flags |= LONG << k;
    }
    (this.flags as Uint8Array)[slot] = flags;
    (this.gens as Int32Array)[slot] = ((this.gens as Int32Array)[slot] as number) + 1;
    if (flags & APPROVAL) this.told[slot] = told;
    return slot;
  }

  /** The kernel took the reply of `slot`; `backedUp`: bytes wait for the kernel now. Its hand-over is kept a while. */
  taken(slot: number, backedUp: boolean): void {
    const now = this.queue.now();
    if (backedUp) this.backedUpAt = now;
    if (this.told[slot] !== undefined) {
      this.keep(slot, now);
      this.queue.add(this, slot, (this.gens as Int32Array)[slot] as number, now);
    }
    this.queue.expire(now);
    this.sweep(now);
  }

  /** Lets go the hand-overs {@link HAND_OVER_HOLD_MS} old at `now` unless held; true when none is kept any more. */
  sweep(now: number): boolean {
    if (this.held(now)) return false;
    while (this.count > 0 && now - ((this.ringAts as Float64Array)[this.head] as number) >= HAND_OVER_HOLD_MS) this.shift();
    return this.count === 0;
  }

  /**
   * The hand-over of `slot` (of generation `gen`) is {@link HAND_OVER_HOLD_MS} old at `now`: let go unless the socket
   * was seen backed up since (its note freed or reused: nothing to do). True when held: left to this connection's
   * ring, which the queue sweeps at its passes.
   */
  expire(slot: number, gen: number, now: number): boolean {
    if ((this.gens as Int32Array)[slot] !== gen) return false;
    if (this.held(now)) return true;
    this.told[slot] = undefined;
    return false;
  }

  /** The connection closed: its entries in the process's queue are skipped from now on (its hand-overs stay with it). */
  close(): void {
    this.closed = true;
    this.queue.forget(this);
  }

  /** Whether hand-overs are held at `now`: backed up within {@link HAND_OVER_HOLD_MS}, or `holding` says so. */
  private held(now: number): boolean {
    if (now - this.backedUpAt < HAND_OVER_HOLD_MS) return true;
    if (!this.holding()) return false;
    this.backedUpAt = now;
    return true;
  }

  /** Frees `slot` (its reply dropped before the kernel took it, or let go); returns what it noted, if `lost`. */
  release(slot: number, lost: boolean): LostReply | undefined {
    const told = this.told[slot];
    this.told[slot] = undefined;
    (this.free as Int32Array)[this.freeCount++] = slot;
    (this.gens as Int32Array)[slot] = ((this.gens as Int32Array)[slot] as number) + 1;
    if (!lost) return undefined;
    const text = this.text as Buffer;
    const flags = (this.flags as Uint8Array)[slot] as number;
    const line: Record<string, string> = {};
    FIELDS.forEach((f) => {
      const at = slot * NOTE_BYTES + f.at;
      if (text[at] !== ABSENT) line[f.key] = text.toString('latin1', at + 1, at + 1 + (text[at] as number));
    });
    const mti = flags & LONG ? 'other' : line['0'] ?? 'undefined';
    const rc = flags & (LONG << 1) ? 'invalid' : line['39'];
    return { line: line as IsoMessage, label: { mti: mtiLabel(mti), rc: responseCodeLabel(rc, 'none') }, capped: (flags & CAPPED) !== 0, approval: (flags & APPROVAL) !== 0, told };
  }

  private keep(slot: number, now: number): void {
    if (this.ringSlots === undefined || (this.count === this.ringSlots.length && this.count < KEPT_REVERSIBLE)) this.growRing();
    const ring = this.ringSlots as Int32Array;
    if (this.count === ring.length) this.shift();
    const i = (this.head + this.count++) % ring.length;
    ring[i] = slot;
    (this.ringGens as Int32Array)[i] = (this.gens as Int32Array)[slot] as number;
    (this.ringAts as Float64Array)[i] = now;
  }

  /** Lets the oldest hand-over kept go (unless its note was freed since: its generation moved on). */
  private shift(): void {
    const ring = this.ringSlots as Int32Array;
    const slot = ring[this.head] as number;
    if ((this.gens as Int32Array)[slot] === (this.ringGens as Int32Array)[this.head]) this.told[slot] = undefined;
    this.head = (this.head + 1) % ring.length;
    this.count--;
  }

  private growRing(): void {
    const size = this.ringSlots === undefined ? 8 : this.ringSlots.length * 2;
    const slots = new Int32Array(size);
    const gens = new Int32Array(size);
    const ats = new Float64Array(size);
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) % (this.ringSlots as Int32Array).length;
      slots[k] = (this.ringSlots as Int32Array)[i] as number;
      gens[k] = (this.ringGens as Int32Array)[i] as number;
      ats[k] = (this.ringAts as Float64Array)[i] as number;
    }
    this.ringSlots = slots;
    this.ringGens = gens;
    this.ringAts = ats;
    this.head = 0;
  }

  /** Doubles the table (its first: 8 notes); false at {@link NOTES_MAX}. */
  private grow(): boolean {
    const old = this.size;
    const size = old === 0 ? 8 : old * 2;
    if (size > NOTES_MAX) return false;
    const text = Buffer.alloc(size * NOTE_BYTES);
    const flags = new Uint8Array(size);
    const gens = new Int32Array(size);
    const free = new Int32Array(size);
    if (old > 0) {
      (this.text as Buffer).copy(text);
      flags.set(this.flags as Uint8Array);
      gens.set(this.gens as Int32Array);
    }
    for (let slot = size - 1; slot >= old; slot--) free[this.freeCount++] = slot;
    this.text = text;
    this.flags = flags;
    this.gens = gens;
    this.free = free;
    this.size = size;
    return true;
  }
}
