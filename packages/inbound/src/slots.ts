import type { Socket } from 'node:net';

/** Why a slot's socket was closed by the endpoint's admission rules. */
export type SlotEnd = 'ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT' | 'ISO8583_ERR_INBOUND_EVICTED';

/**
 * One accepted socket's place under `maxConnections`, from accept (TLS handshake included) to close. A slot is
 * "silent" until its client has sent one complete frame; a silent slot is closed at the first-message deadline, and
 * the oldest silent slot gives way to a new client when every slot is taken.
 */
export class Slot {
  /** The TLS socket on top of the accepted one, once the handshake has begun to be served (TLS listeners only). */
  secure: Socket | undefined;
  /** Set by the connection built on this slot: closes it with a coded reason (logged and counted there). */
  abort: ((code: SlotEnd) => void) | undefined;
  /** @internal */
  timer: NodeJS.Timeout | undefined;

  constructor(readonly socket: Socket, private readonly owner: ConnectionSlots) {}

  /** The client sent a complete frame: the slot is no longer silent and its first-message deadline is cleared. */
  spoke(): void {
    this.owner.spoke(this);
  }

  /** Closes the slot's sockets (the TLS one on top, then the accepted one). */
  destroy(): void {
    this.secure?.destroy();
    this.socket.destroy();
  }
}

/** What {@link ConnectionSlots} reports to the endpoint. */
export interface SlotEvents {
  /**
   * A slot must be closed for `code` (first-message deadline passed, or evicted to make room); it no longer counts.
   * The listener closes it (through `slot.abort` when a connection is built on it, else `slot.destroy()`).
   */
  ended(slot: Slot, code: SlotEnd): void;
}

/**
 * The endpoint's connection slots: at most `max` accepted sockets at once. Silent slots (no complete frame yet) are
 * kept in accept order, so the oldest one is found at once when a new client needs its place.
 */
export class ConnectionSlots {
  /** Every slot held, by its accepted socket, oldest first (a Map keeps insertion order). */
  readonly #all = new Map<Socket, Slot>();
  /** Slots whose client has not sent a complete frame yet, oldest first (a Set keeps insertion order). */
  readonly #silent = new Set<Slot>();

  constructor(
    private readonly max: number,
    private readonly firstMessageTimeout: number,
    private readonly events: SlotEvents,
  ) {}

  /** Sockets held now (handshaking, silent or talking). */
  get size(): number {
    return this.#all.size;
  }

  /** The slots held now, oldest first. */
  values(): IterableIterator<Slot> {
    return this.#all.values();
  }

  /** The slot of an accepted socket, while it is held. */
  get(socket: Socket): Slot | undefined {
    return this.#all.get(socket);
  }

  /**
   * A slot for a just-accepted socket. At the limit, the oldest silent slot is closed to make room; `undefined` when
   * every slot is held by a client that has spoken (the caller refuses the socket).
   */
  admit(socket: Socket): Slot | undefined {
    if (this.#all.size >= this.max) {
      const oldest = this.#silent.values().next();
      if (oldest.done === true) return undefined;
      this.#end(oldest.value, 'ISO8583_ERR_INBOUND_EVICTED');
    }
    const slot = new Slot(socket, this);
    this.#all.set(socket, slot);
    this.#silent.add(slot);
    if (this.firstMessageTimeout > 0) {
      slot.timer = setTimeout(() => this.#end(slot, 'ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT'), this.firstMessageTimeout);
      slot.timer.unref();
    }
    socket.once('close', () => this.#release(slot));
    return slot;
  }

  /** @internal See {@link Slot.spoke}. */
  spoke(slot: Slot): void {
    if (!this.#silent.delete(slot)) return;
    clearTimeout(slot.timer);
    slot.timer = undefined;
  }

  #end(slot: Slot, code: SlotEnd): void {
    if (this.#all.get(slot.socket) !== slot) return;
    this.#release(slot);
    this.events.ended(slot, code);
  }

  #release(slot: Slot): void {
    if (this.#all.get(slot.socket) === slot) this.#all.delete(slot.socket);
    this.#silent.delete(slot);
    clearTimeout(slot.timer);
    slot.timer = undefined;
  }
}

/** The log line of a connection closed by the admission rules. */
export function endText(code: SlotEnd): string {
  return code === 'ISO8583_ERR_INBOUND_EVICTED'
    ? 'connection closed to make room: it had sent no message and maxConnections was reached'
    : 'no complete message within firstMessageTimeout: connection closed';
}
