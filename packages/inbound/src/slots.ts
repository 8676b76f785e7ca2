import type { Socket } from 'node:net';
import { peerKey } from './peer-key.js';

/** Why a slot's socket was closed by the endpoint's admission rules. */
export type SlotEnd = 'ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT' | 'ISO8583_ERR_INBOUND_EVICTED';

/** Why a just-accepted socket got no slot: every slot, or every slot its address may hold, is held by a client that has spoken. */
export type SlotRefusal = 'ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS' | 'ISO8583_ERR_INBOUND_TOO_MANY_FROM_ADDRESS';

/** The slots of one peer key (an IPv4 address, an IPv6 /64: peer-key.ts). */
interface PeerSlots {
  /** Slots held by the peer. */
  held: number;
  /** Its silent slots, oldest first. */
  readonly silent: Set<Slot>;
}

/**
 * One accepted socket's place under `maxConnections`, from accept (TLS handshake included) to close. A slot is
 * "silent" until its client has sent one complete frame; a silent slot is closed at the first-message deadline, and
 * the silent slot least recently heard from gives way to a new client when every slot is taken.
 */
export class Slot {
  /** The TLS socket on top of the accepted one, once the handshake has begun to be served (TLS listeners only). */
  secure: Socket | undefined;
  /** Set by the connection built on this slot: closes it with a coded reason (logged and counted there). */
  abort: ((code: SlotEnd) => void) | undefined;
  /** @internal */
  timer: NodeJS.Timeout | undefined;
  /** The bytes read from the accepted socket when the slot was last looked at (see {@link Slot.heardSinceLook}). */
  #seen = 0;
  /**
   * The client's address and port as the accepted socket had them at accept: a TLS socket on top that has lost its
   * handle (a client that reset right after its handshake) no longer knows them. Undefined for a client that reset
   * before it was accepted.
   */
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;

  constructor(readonly socket: Socket, readonly peer: string, private readonly owner: ConnectionSlots) {
    this.#seen = socket.bytesRead;
    this.remoteAddress = socket.remoteAddress;
    this.remotePort = socket.remotePort;
  }

  /**
   * Whether bytes were read from the accepted socket (a piece of a first message, of a TLS handshake) since the slot
   * was accepted or last looked at; each look starts the count over.
   */
  heardSinceLook(): boolean {
    const bytes = this.socket.bytesRead;
    if (bytes === this.#seen) return false;
    this.#seen = bytes;
    return true;
  }

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
 * The endpoint's connection slots: at most `max` accepted sockets at once, and at most `perAddress` of them from one
 * peer (its address, its /64 for IPv6: peer-key.ts). Silent slots (no complete frame yet) are kept in accept order,
 * overall and by peer, a slot found heard from when looked at moved behind the newest, so the one to give way is
 * found at once (but for those passed over) when a new client needs its place.
 */
export class ConnectionSlots {
  /** Every slot held, by its accepted socket, oldest first (a Map keeps insertion order). */
  readonly #all = new Map<Socket, Slot>();
  /** Slots whose client has not sent a complete frame yet, oldest first (a Set keeps insertion order). */
  readonly #silent = new Set<Slot>();
  /** Slots by peer key; a peer holding none is not kept. */
  readonly #peers = new Map<string, PeerSlots>();

  constructor(
    private readonly max: number,
    private readonly perAddress: number,
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
   * A slot for a just-accepted socket. At the per-address limit, the silent slot of the same peer least recently heard
   * from (`#quietest`) is closed to make room (a peer never pushes out another's for a connection
   * over its own share); then, at the overall limit, that of any peer. The refusal's code when no silent slot can give
   * way (the caller refuses the socket).
   */
  admit(socket: Socket): Slot | SlotRefusal {
    const key = peerKey(socket.remoteAddress ?? '');
    let peer = this.#peers.get(key);
    // A share of every slot or more is no limit of its own: the refusal is then the listener's (`maxConnections`).
    if (peer !== undefined && this.perAddress < this.max && peer.held >= this.perAddress) {
      const quiet = this.#quietest(peer.silent);
      if (quiet === undefined) return 'ISO8583_ERR_INBOUND_TOO_MANY_FROM_ADDRESS';
      this.#end(quiet, 'ISO8583_ERR_INBOUND_EVICTED');
    }
    if (this.#all.size >= this.max) {
      const quiet = this.#quietest(this.#silent);
      if (quiet === undefined) return 'ISO8583_ERR_INBOUND_TOO_MANY_CONNECTIONS';
      this.#end(quiet, 'ISO8583_ERR_INBOUND_EVICTED');
    }
    const slot = new Slot(socket, key, this);
    this.#all.set(socket, slot);
    this.#silent.add(slot);
    peer = this.#peers.get(key);
    if (peer === undefined) this.#peers.set(key, (peer = { held: 0, silent: new Set() }));
    peer.held++;
    peer.silent.add(slot);
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
    this.#peers.get(slot.peer)?.silent.delete(slot);
    clearTimeout(slot.timer);
    slot.timer = undefined;
  }

  /**
   * The silent slot of `order` (oldest first) to give way: the oldest not heard from since it was last looked at. One
   * heard from is passed over and moved behind the newest (a second chance, in both orders), so a terminal sending its
   * first message or its TLS handshake, at any pace, outlasts connections that say nothing however fast they come;
   * each pass costs one byte-count read per piece the peer sent. When every one was heard from, the first passed over.
   */
  #quietest(order: Set<Slot>): Slot | undefined {
    let left = order.size;
    for (const slot of order) {
      if (left-- === 0 || !slot.heardSinceLook()) return slot;
      this.#silent.delete(slot);
      this.#silent.add(slot);
      const mine = this.#peers.get(slot.peer)?.silent;
      mine?.delete(slot);
      mine?.add(slot);
    }
    return undefined;
  }

  #end(slot: Slot, code: SlotEnd): void {
    if (this.#all.get(slot.socket) !== slot) return;
    this.#release(slot);
    this.events.ended(slot, code);
  }

  #release(slot: Slot): void {
    if (this.#all.get(slot.socket) !== slot) return;
    this.#all.delete(slot.socket);
    const peer = this.#peers.get(slot.peer);
    if (peer !== undefined) {
      peer.silent.delete(slot);
      if (--peer.held === 0) this.#peers.delete(slot.peer);
    }
    this.#silent.delete(slot);
    clearTimeout(slot.timer);
    slot.timer = undefined;
  }
}

/** The log line of a connection closed by the admission rules. */
export function endText(code: SlotEnd): string {
  return code === 'ISO8583_ERR_INBOUND_EVICTED'
    ? 'connection closed to make room: it had sent no message and maxConnections (or maxConnectionsPerAddress) was reached'
    : 'no complete message within firstMessageTimeout: connection closed';
}
