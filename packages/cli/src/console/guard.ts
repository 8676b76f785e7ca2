/**
 * Token guessing on an HTTP port that asks for a token: the wrong tokens a peer tries (a bearer token, the sign-in
 * form, `/console?token=`) are counted by peer address; after {@link DEFAULT_GUARD_LIMIT} in
 * {@link DEFAULT_GUARD_WINDOW} the peer is refused for a while (429 `ISO8583_ERR_CONSOLE_TOO_MANY_ATTEMPTS`, with
 * `Retry-After`), every token it sends refused **without being compared**: the lockout doubles each time the peer
 * earns another one, up to {@link DEFAULT_GUARD_MAX_LOCKOUT}.
 *
 * A right token is refused too while its peer is locked out: an answer that accepted it would tell the right guess
 * from the wrong ones, and the lockout would bound nothing. What a locked-out peer keeps is its console sessions (a
 * session cookie is a MAC no guess reaches, so accepting it tells nothing about the token), and requests without a
 * token get their usual 401 (the sign-in form). Only a successful sign-in (the form, `?token=`) clears its peer's
 * record: a bearer request that succeeds does not, or an API client behind the same address would wipe a guesser's
 * count every second.
 *
 * Memory is bounded: at most {@link DEFAULT_GUARD_PEERS} peers are remembered, the one not seen longest forgotten first,
 * a locked-out peer only when every peer remembered is locked out; finding it costs one look per wrong token,
 * amortized, however many of the peers are locked out.
 * IPv6 addresses are counted by their /64 (one host holds all of it). The tokens of requests on a `Host` the port does
 * not know (a DNS-rebinding page's name) are counted apart from the address's own, all of its names under one count
 * (guardKey): such a page cannot lock the operator's address out, and changing the name each time buys no guesses;
 * while the address's own count is locked out, its requests on those names are refused too. Behind a TLS proxy the
 * operator names (http/trusted-proxies.ts), the address is the client the proxy forwards, not the proxy's own.
 */

import { peerKey } from '@iso8583/inbound/peer-key';

/** Wrong tokens from one peer, within {@link DEFAULT_GUARD_WINDOW}, that lock it out: 5. */
export const DEFAULT_GUARD_LIMIT = 5;
/** The window wrong tokens are counted in, in ms: 1 minute. */
export const DEFAULT_GUARD_WINDOW = 60_000;
/** The first lockout, in ms: 1 minute (then 2, 4, 8, up to the longest). */
export const DEFAULT_GUARD_LOCKOUT = 60_000;
/** The longest lockout, in ms: 15 minutes; a peer quiet that long after its lockout starts afresh. */
export const DEFAULT_GUARD_MAX_LOCKOUT = 15 * 60_000;
/** The most peers remembered at once: 10 000 (the one not seen longest is forgotten first, locked-out peers last). */
export const DEFAULT_GUARD_PEERS = 10_000;
/** The most log lines about locked-out peers in a minute: 10 (the next one says how many were not logged). */
const LOG_LINES_PER_MINUTE = 10;

/** What the guard tells about a peer it locks out (a log line: the peer's address, never a token). */
export type GuardNotice = (peer: string, lockoutMs: number, suppressed: number) => void;

/** Options of {@link SignInGuard}. */
export interface SignInGuardOptions {
  /** Wrong tokens within `window` that lock a peer out. Default {@link DEFAULT_GUARD_LIMIT} (5). */
  limit?: number;
  /** The window wrong tokens are counted in, in ms. Default {@link DEFAULT_GUARD_WINDOW} (1 minute). */
  window?: number;
  /** The first lockout, in ms (doubled at each next one). Default {@link DEFAULT_GUARD_LOCKOUT} (1 minute). */
  lockout?: number;
  /** The longest lockout, in ms. Default {@link DEFAULT_GUARD_MAX_LOCKOUT} (15 minutes). */
  maxLockout?: number;
  /** The most peers remembered. Default {@link DEFAULT_GUARD_PEERS} (10 000). */
  peers?: number;
  /** The clock, ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Told when a peer is locked out, at most 10 times a minute. Default: nobody. */
  notice?: GuardNotice;
  /** Told of each wrong token (`failure`) and each token refused unread (`refused`), for a metric. Default: nobody. */
  count?: (what: 'failure' | 'refused') => void;
}

/** One peer's record. */
interface Peer {
  /** Wrong tokens in the current window. */
  failures: number;
  /** When the current window began (ms). */
  since: number;
  /** Locked out until (ms); 0: not locked out. */
  until: number;
  /** Lockouts earned so far (each doubles the next). */
  strikes: number;
}

/** The key a peer is counted by (an IPv4 address as it is, an IPv6 one by its /64): the listeners' own. */
export { peerKey };

/**
 * The key the tokens of `address` are counted by: its {@link peerKey}, or for its requests on names the port does not
 * know (`unknownHost`, http/known-host.ts: a DNS-rebinding page's) that key marked so, one for all of those names
 * (a name per guess would else be a count per guess), apart from the address's own so that such a page cannot lock
 * the operator's address out.
 */
export function guardKey(address: string, unknownHost = false): string {
  return unknownHost ? `${peerKey(address)} (unknown Host)` : peerKey(address);
}

/** What a lockout's log line names: the peer's address, and the `Host` name of the request on an unknown one. */
function noticeName(address: string, host: string | undefined): string {
  return host === undefined ? peerKey(address) : `${peerKey(address)} (Host ${host})`;
}

/** Counts wrong tokens by peer and locks out the peers that try too many. */
export class SignInGuard {
  readonly #limit: number;
  readonly #window: number;
  readonly #lockout: number;
  readonly #maxLockout: number;
  readonly #cap: number;
  readonly #now: () => number;
  readonly #notice: GuardNotice | undefined;
  readonly #count: ((what: 'failure' | 'refused') => void) | undefined;
  /** By peer key, the one seen longest ago first. */
  readonly #peers = new Map<string, Peer>();
  /**
   * Where the search for a peer to forget stands in {@link SignInGuard.#peers} (a live iterator: it goes on past
   * entries added since): every peer before it was locked out when passed ({@link SignInGuard.#passed}), so the search
   * starts here rather than at the front until one of their lockouts ends ({@link SignInGuard.#passedUntil}).
   */
  #cursor: Iterator<[string, Peer]> | undefined;
  /** The peers the search passed, locked out (each forgotten from here when it is forgotten or seen again). */
  readonly #passed = new Set<string>();
  /** The first end of a lockout among {@link SignInGuard.#passed}: from then on the search starts at the front again. */
  #passedUntil = Infinity;
  /** Peers looked at by the search, for the tests (one per wrong token, amortized). */
  #visited = 0;
  #logMinute = 0;
  #logLines = 0;
  #suppressed = 0;

  constructor(options: SignInGuardOptions = {}) {
    this.#limit = options.limit ?? DEFAULT_GUARD_LIMIT;
    this.#window = options.window ?? DEFAULT_GUARD_WINDOW;
    this.#lockout = options.lockout ?? DEFAULT_GUARD_LOCKOUT;
    this.#maxLockout = options.maxLockout ?? DEFAULT_GUARD_MAX_LOCKOUT;
    this.#cap = options.peers ?? DEFAULT_GUARD_PEERS;
    this.#now = options.now ?? Date.now;
    this.#notice = options.notice;
    this.#count = options.count;
  }

  /** @internal How many peers the search for one to forget has looked at so far (the tests' count of its cost). */
  get visited(): number {
    return this.#visited;
  }

  /** How many peers are remembered. */
  get size(): number {
    return this.#peers.size;
  }

  /**
   * How long `address` is still locked out, in ms (0: it may try a token); with `host` (the name of a request on a
   * `Host` the port does not know), the longer of its count for those names and its own (a locked-out address may
   * not guess on through another name). A token it sends meanwhile is not compared: call {@link SignInGuard.refused}
   * and answer 429.
   */
  lockedFor(address: string, host?: string): number {
    const own = this.#lockedFor(guardKey(address));
    return host === undefined ? own : Math.max(own, this.#lockedFor(guardKey(address, true)));
  }

  #lockedFor(key: string): number {
    const peer = this.#peers.get(key);
    if (peer === undefined) return 0;
    return Math.max(0, peer.until - this.#now());
  }

  /** Counts a token refused unread (the peer was locked out). */
  refused(): void {
    this.#count?.('refused');
  }

  /**
   * Counts a wrong token from `address` (with `host`, the name of its request on a `Host` the port does not know:
   * counted under the address's one count for such names, the name only in the log line); the ms it is now locked
   * out for (0: not locked out).
   */
  failed(address: string, host?: string): number {
    this.#count?.('failure');
    const key = guardKey(address, host !== undefined);
    const now = this.#now();
    let peer = this.#peers.get(key);
    this.#delete(key);
    // A peer quiet for the longest lockout after its last one starts afresh (its strikes too).
    if (peer !== undefined && now - Math.max(peer.since + this.#window, peer.until) >= this.#maxLockout) peer = undefined;
    peer ??= { failures: 0, since: now, until: 0, strikes: 0 };
    if (now - peer.since >= this.#window) {
      peer.failures = 0;
      peer.since = now;
    }
    peer.failures += 1;
    this.#peers.set(key, peer);
    if (peer.failures < this.#limit) {
      this.#forgetOldest(now);
      return 0;
    }
    const lockout = Math.min(this.#maxLockout, this.#lockout * 2 ** Math.min(peer.strikes, 30));
    peer.strikes += 1;
    peer.failures = 0;
    peer.since = now;
    peer.until = now + lockout;
    this.#forgetOldest(now);
    this.#tell(noticeName(address, host), lockout, now);
    return lockout;
  }

  /** A successful sign-in from `address` (on an unknown `Host` when `host` is given): that record is forgotten. */
  succeeded(address: string, host?: string): void {
    this.#delete(guardKey(address, host !== undefined));
  }

  /** Forgets `key` (or moves it: the caller sets it again, as the one seen last). */
  #delete(key: string): void {
    this.#peers.delete(key);
    this.#passed.delete(key);
  }

  /**
   * Forgets peers over the cap: the one not seen longest among those not locked out first, a locked-out one only when
   * every peer remembered is locked out (else a guesser rotating through more addresses than the cap, an IPv6 /48 has
   * 65,536 /64s, would push its own lockouts out and guess without bound).
   */
  #forgetOldest(now: number): void {
    while (this.#peers.size > this.#cap) this.#delete(this.#unlockedOldest(now) ?? (this.#peers.keys().next().value as string));
  }

  /**
   * The peer not seen longest among those not locked out at `now`, if any. The search goes on from where it stood (the
   * peers before it locked out, none of their lockouts over): each peer is passed once until a lockout it passed
   * ends, so that many locked-out peers at the front cost no scan of them at each wrong token.
   */
  #unlockedOldest(now: number): string | undefined {
    if (this.#cursor === undefined || now >= this.#passedUntil) {
      this.#cursor = this.#peers.entries();
      this.#passed.clear();
      this.#passedUntil = Infinity;
    }
    // Every peer passed: none after the cursor (a Map iterator that has ended never goes on: keep it short of that).
    while (this.#passed.size < this.#peers.size) {
      const next = this.#cursor.next();
      if (next.done === true) {
        this.#cursor = undefined;
        break;
      }
      this.#visited += 1;
      const [key, peer] = next.value;
      if (peer.until <= now) return key;
      this.#passed.add(key);
      this.#passedUntil = Math.min(this.#passedUntil, peer.until);
    }
    return undefined;
  }

  #tell(peer: string, lockout: number, now: number): void {
    if (this.#notice === undefined) return;
    const minute = Math.floor(now / 60_000);
    if (minute !== this.#logMinute) {
      this.#logMinute = minute;
      this.#logLines = 0;
    }
    if (this.#logLines >= LOG_LINES_PER_MINUTE) {
      this.#suppressed += 1;
      return;
    }
    this.#logLines += 1;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.#notice(peer, lockout, suppressed);
  }
}
