/**
 * An accepted request on its way to a channel and back, in its two shapes. The ready one (`sendNow`): a channel taken
 * in this turn, no journal to write; the request is packed and written in this turn and its one promise is settled by
 * the channel's callbacks. The one that waits (`dispatch`): the reversal journaled first when due, a channel borrowed
 * (perhaps once one is made), the outcome made durable before the caller sees it. Both pack and frame a request the
 * same way (`frameOf`) and count an answer the same way (`answeredOn`).
 */
import { encodeFrame, summarize } from '@iso8583/codec';
import type { Codec, FramingOptions, Iso8583Error, MessageInput } from '@iso8583/codec';
import type { Accounting } from './accounting.js';
import { mtiOf } from './accounting.js';
import type { Channel } from './channel.js';
import { channelRequest } from './channel-request.js';
import type { ChannelRequest, ChannelResponse } from './channel-request.js';
import type { ChannelPool } from './channel-pool.js';
import type { JournalEntry } from './journal.js';
import type { MatchKey } from './match-key.js';
import { isInquiry, isReversible } from './reversal-message.js';
import type { ReversalManager } from './reversal.js';
import type { Settle, WriteMark } from './request-outcome.js';
import { logQuietly } from './quiet-log.js';
import { deadlineError, timeLeft } from './timeouts.js';
import { connectorError } from './errors.js';
import { abortedError, hostFault, sendOn } from './request-abort.js';
import { markSent } from './request-sent.js';
import type { RequestAbort } from './request-abort.js';

/** Marks the refusals {@link refusedByKeyHere} tells. */
const KEY_HELD_HERE = Symbol('refused by this node\'s in-memory key');

/**
 * The refusal of a reversible request whose transaction (same STAN and terminal) is in flight or being reversed: never
 * written. Marked as made by this connector's own memory of the keys it holds ({@link refusedByKeyHere}).
 */
function reversingError(mti: string): Iso8583Error {
  const err = connectorError('ISO8583_ERR_CONNECTOR_DUPLICATE_KEY', `a transaction with the same STAN and terminal is in flight or being reversed: the ${mti} is refused`, {
    mti,
    field: '11',
  });
  Object.defineProperty(err, KEY_HELD_HERE, { value: true });
  return err;
}

/**
 * The refusal of a caller's reversal whose original was still in flight here when the reversal's own time ran out:
 * never written (should the original's outcome stay unknown, this connector reverses it itself).
 */
function inFlightError(mti: string): Iso8583Error {
  const field = mti[0] === '1' ? '56' : '90';
  return connectorError('ISO8583_ERR_CONNECTOR_DEADLINE', `the ${mti} is not sent: the original it names (field ${field}) was still in flight when its time ran out`, { mti, field });
}

/**
 * True when `err` is a `DUPLICATE_KEY` refusal made by this connector's in-memory key only (its STAN and terminal
 * armed or being reversed here), not by a shared store (`addOriginal`: the transaction pending on another node, which
 * this node cannot see) nor by a channel. An upstream group asks it: when the refusing upstream does not hold the
 * transaction by the group's rule, another transaction holds the key there, and the refused one may go on.
 */
export function refusedByKeyHere(err: unknown): boolean {
  return err !== null && typeof err === 'object' && (err as { [KEY_HELD_HERE]?: true })[KEY_HELD_HERE] === true;
}

/** What a request sender works with: the connector's codec, framing, match key, counters, pool and reversals. */
export interface RequestSenderParts {
  /** The codec of the connector's dialect. */
  readonly codec: Codec;
  /** The framing of every connection. */
  readonly framing: FramingOptions;
  /** The configured fixed frame header (`headerBytes` > 0), else undefined. */
  readonly frameHeader: Buffer | undefined;
  /** The match key builder. */
  readonly matchKey: MatchKey;
  /** The connector's counters. */
  readonly accounting: Accounting;
  /** The connections, lent to requests. */
  readonly pool: ChannelPool;
  /** The SAF queue that journals and sends reversals (`undefined`: reversal and SAF off). */
  readonly reversals: ReversalManager | undefined;
  /** True when reversal is on (`reversal.enabled`). */
  readonly reversal: boolean;
}

/** Sends a connector's accepted requests on its channels. */
export class RequestSender {
  private readonly codec: Codec;
  private readonly framing: FramingOptions;
  private readonly frameHeader: Buffer | undefined;
  private readonly matchKey: MatchKey;
  private readonly accounting: Accounting;
  private readonly pool: ChannelPool;
  private readonly reversals: ReversalManager | undefined;
  private readonly reversal: boolean;

  constructor(parts: RequestSenderParts) {
    this.codec = parts.codec;
    this.framing = parts.framing;
    this.frameHeader = parts.frameHeader;
    this.matchKey = parts.matchKey;
    this.accounting = parts.accounting;
    this.pool = parts.pool;
    this.reversals = parts.reversals;
    this.reversal = parts.reversal;
  }

  /**
   * True when `message`, a request of `mti`, is journaled (its reversal armed) before it leaves: reversal is on, `mti`
   * is reversible, and it is no inquiry (processing code `3x`, reversal-message.ts `isInquiry`: it moves no money, so
   * one that times out is not reversed).
   */
  journals(message: MessageInput, mti: string): boolean {
    return this.reversal && this.reversals !== undefined && isReversible(mti) && !isInquiry(this.codec.dialect, message);
  }

  /**
   * True when a request may go out in this turn on a channel taken now (`sendNow`): it is not journaled first, nor a
   * reversal whose original is still in flight here ({@link RequestSender.waitsForOriginal}). Asked before the pool, so
   * a request that waits takes no channel (a multiplex pool grows when asked under load).
   */
  goesNow(message: MessageInput, mti: string): boolean {
    return !this.journals(message, mti) && !this.waitsForOriginal(message, mti) && !this.heldByReversal(message, mti);
  }

  /**
   * True when `message`, a request of `mti`, is refused (`DUPLICATE_KEY`): reversal is on, `mti` is reversible (an
   * inquiry too, though not journaled) and its transaction (same STAN and terminal) is in flight or being reversed.
   */
  private heldByReversal(message: MessageInput, mti: string): boolean {
    return this.reversal && isReversible(mti) && this.reversals?.reversing(message) === true;
  }

  /** True when the reversal `message` names an original still in flight here: it waits for its outcome (`dispatch`). */
  private waitsForOriginal(message: MessageInput, mti: string): boolean {
    return mti[1] === '4' && this.reversals?.originalInFlight(message) === true;
  }

  /**
   * Sends on `channel` now (taken in this turn, for a request {@link RequestSender.goesNow} lets go): packs (unless
   * given `packed`), writes, and settles the one promise from the channel's answer or failure, counting and recording
   * in that turn. `deadline` (send options): the answer is awaited no longer than the time left; a deadline already
   * past writes nothing (`ISO8583_ERR_CONNECTOR_DEADLINE`).
   */
  sendNow(channel: Channel, message: MessageInput, mti: string, wait: number, header: Uint8Array | undefined, packed: Buffer | undefined, settled: Settle, deadline?: number): Promise<ChannelResponse> {
    return new Promise<ChannelResponse>((resolve, reject) => {
      const timeout = Math.min(wait, timeLeft(deadline, performance.now()));
      let frame: Buffer;
      let key: string;
      try {
        if (timeout === 0) throw deadlineError(mti);
        if (mti[1] === '4' && this.reversals?.reversalOf(message) !== undefined) throw reversingError(mti);
        frame = this.frameOf(message, header, packed);
        key = this.matchKey.ofRequest(message);
      } catch (err) {
        this.pool.release(channel);
        reject(settled.failed(err));
        return;
      }
      const req = channelRequest(
        key,
        frame,
        mti,
        timeout,
        (response) => {
          // Neither throws: the answer stands whatever the books, the debug line or the transaction log do.
          this.answeredOn(channel, mti, message, response);
          resolve(settled.answered(response));
        },
        (err) => {
          this.pool.release(channel, req.written, hostFault(err, timeout < wait));
          settled.written = req.written;
          reject(settled.failed(err));
        },
        this.matchKey.echoOf(message),
        false,
        message,
      );
      sendOn(channel, req, settled);
      if (req.written) this.accounting.packed(mti, message);
    });
  }

  /**
   * Packs (unless given `packed`, its wire image), journals the reversal (when due), borrows a channel, writes, waits.
   * `tried`: the caller asked the pool for a channel in this same turn and got none, so the wait (`acquire`) starts at
   * once, without asking again (a multiplex pool's `take` looks over every connection). `deadline` (send options):
   * the journal, the wait for a channel and the answer all end by it; a request not written by then never is.
   * `safAttempt` (default false; `safAttempt`): the deadline bounds only the wait for a channel, the answer gets its
   * whole `timeout` from the write, and it takes any answer under its key (`ChannelRequest.anyAnswer`): every attempt
   * is of one transaction (that of an earlier attempt with another field 7 is its own too); its field 7 is still kept
   * if it times out, so a new request reusing the key is not given its late answer. `wrote` is told, before the request
   * fails, whether it was written (its {@link Settle}: the failure's `sent`). `connectBy` (send option `CONNECT_BY`):
   * bounds the wait for a channel only (`ISO8583_ERR_CONNECTOR_DEADLINE` past it, never written); the answer still gets
   * its whole `timeout` (or what `deadline` leaves).
   */
  async dispatch(message: MessageInput, timeout: number, header: Uint8Array | undefined, journal: boolean, packed?: Buffer, tried = false, deadline?: number, safAttempt = false, wrote?: WriteMark, connectBy?: number): Promise<ChannelResponse> {
    const mti = mtiOf(message);
    // A deadline passed already (a turn in the terminal queue that came late): nothing journaled, no connection taken.
    if (timeLeft(deadline, performance.now()) === 0) throw deadlineError(mti);
    if (journal && this.waitsForOriginal(message, mti)) {
      // A caller's reversal (a terminal's own, its own STAN in field 11) of an original still in flight here (on any
      // connection): sent now, the host could answer it before booking the original ("no such transaction"), then
      // approve the original. It waits for the original's outcome, within its own time (from now, or its deadline);
      // once sent, its answer gets its own `timeout` from the write (or what the caller's deadline leaves): the wait
      // is not taken from it, else a slow original would leave it no time and it would time out (repeated or stored).
      tried = false;
      if (!(await (this.reversals as ReversalManager).originalSettled(message, deadline ?? performance.now() + timeout))) throw inFlightError(mti);
    }
    // A reversal a caller sends for a transaction whose reversal is under way here (by its original's STAN and terminal):
    // the same reversal, sent and counted by the SAF queue already (its own attempts, `journal` false, are not asked).
    if (journal && mti[1] === '4' && this.reversals?.reversalOf(message) !== undefined) throw reversingError(mti);
    const frame = this.frameOf(message, header, packed);
    const key = this.matchKey.ofRequest(message);
    let entry: JournalEntry | undefined;
    // A repeat (0201), or a request sent again as new (0200), of a transaction in flight (on any connection) or being
    // reversed (same STAN and terminal): the host could approve it after (or before) the reversal, which names the
    // same transaction. Whatever its reversible MTI: an inquiry, not journaled, is refused too (the host could take it
    // for that transaction). `arm` holds the transaction in this same turn, so two such requests never both pass.
    if (journal && this.heldByReversal(message, mti)) throw reversingError(mti);
    if (journal && this.journals(message, mti)) {
      const reversals = this.reversals as ReversalManager;
      // Its fence on other nodes lasts until its answer is due: the timeout, or the deadline when that comes first.
      entry = await reversals.arm(message, Math.min(timeout, timeLeft(deadline, performance.now())));
    }
    let channel: Channel | undefined;
    let req: ChannelRequest | undefined;
    let shortened = false;
    let failure: unknown;
    try {
      // The journal took what was left of the deadline: no connection is taken for a request that cannot leave.
      if (timeLeft(deadline, performance.now()) === 0) throw deadlineError(mti);
      // Synchronous when a channel is ready: the write then happens in this turn, and the next request sees it.
      const by = connectBy === undefined || (deadline !== undefined && deadline < connectBy) ? deadline : connectBy;
      channel = (tried ? undefined : this.pool.take()) ?? (await this.acquireBy(by, mti, wrote?.abort, safAttempt && mti[1] !== '4'));
      const ch = channel;
      const left = timeLeft(deadline, performance.now());
      if (left === 0) throw deadlineError(mti);
      if (entry !== undefined && this.reversals?.late(entry) === true) {
        // The add's stall check again, just before the write: a wait for a connection (or a busy event loop) as long as
        // a lease lets another node claim the entry and reverse an original that would then leave after its reversal.
        throw connectorError('ISO8583_ERR_CONNECTOR_STORE', `the ${mti} is not sent: its reversal was stored too long ago for a shared store's lease (this node stalled), or before this node's hold on the shared store broke`, { mti, field: 'safLease' });
      }
      // A journal that stopped after a failed blanking acknowledges the later writes that went through whole (this
      // request's `add` among them): its `done` would be refused, an approval reported failed and reversed. Not sent;
      // its add, read back at the next start, is reversed (undoing nothing: the request never left).
      const halt = entry === undefined ? undefined : this.reversals?.halted();
      if (halt !== undefined) throw connectorError('ISO8583_ERR_CONNECTOR_JOURNAL', `the ${mti} is not sent: the reversal journal stopped (${halt.reason})`, { mti, field: 'reversal.journalDir' });
      // Again just before the write: its transaction's reversal may have been queued while this request was journaled
      // or waited for a connection (its original timed out meanwhile), and the host could approve it after that reversal.
      if (entry !== undefined && this.reversals?.reversing(message, entry) === true) throw reversingError(mti);
      const wait = safAttempt ? timeout : Math.min(timeout, left);
      shortened = wait < timeout;
      // The request's own deadline (its answer's wait from the write): what is left of it bounds the journal's wait below.
      const answerBy = deadline ?? performance.now() + wait;
      const response = await new Promise<ChannelResponse>((resolve, reject) => {
        req = channelRequest(key, frame, mti, wait, resolve, reject, this.matchKey.echoOf(message), safAttempt, message);
        sendOn(ch, req, wrote);
        if (req.written) {
          this.accounting.packed(mti, message);
          wrote?.onWrite?.();
        }
      });
      // Answered: the connection is sound whatever the journal does next, so it goes back to the pool now (the finally
      // must not release it as failed after the write, which in exclusive mode closes it), before the journal's wait:
      // a store that is away (a reopen waiting up to the deadline) must not pin it while other requests need it.
      channel = undefined;
      this.pool.release(ch);
      if (entry !== undefined) {
        // The outcome is durable (`done` fsynced) before the caller sees the response; else it is reversed and fails.
        const answered = entry;
        entry = undefined;
        await this.reversals?.answered(answered, answerBy, response.message);
      }
      this.counted(ch, mti, message, response, safAttempt);
      return response;
    } catch (err) {
      failure = err;
      // Written, whatever failed after (no answer, the connection, the journal's record of the answer): maybe at the host.
      if (req?.written === true && wrote !== undefined) wrote.written = true;
      if (entry !== undefined) {
        // Written and unanswered, whatever the error (a timeout, a lost connection, an undecodable answer, the
        // connector closed or destroyed with the caller's own coded error): the outcome at the host is unknown, so the
        // reversal goes (while stopping, the queue leaves the entry journaled for the next start). Never written: no
        // reversal.
        if (req?.written === true) this.reversals?.trigger(entry);
        else await this.reversals?.disarm(entry);
      }
      throw err;
    } finally {
      if (channel !== undefined) this.pool.release(channel, req?.written === true, hostFault(failure, shortened));
    }
  }

  /**
   * One attempt of a SAF entry (a reversal, an advice stored with `saf: true`; the SAF queue keeps it, so no journal
   * here), counted like any request: once in `requests` and `byMti`, then as a response, a timeout or an error. Its
   * wait for a channel ends within `timeout` (a link down: `ISO8583_ERR_CONNECTOR_DEADLINE`, never written), and its
   * answer is awaited `timeout` from the write: an attempt written late in that wait (right after a reconnect) is
   * not timed out moments after it left, and so sent again. The whole attempt ends within twice `timeout`, so that
   * the SAF queue's `stop`, which waits that long, sees its outcome before the journal closes. A failure says whether
   * the attempt was written (`sent`, request-sent.ts: `'no'` never, whatever its code), which the SAF queue counts by.
   * `written` (optional) is called in the turn the attempt is written, never for one that is not (the `sent` event).
   */
  async safAttempt(message: MessageInput, timeout: number, written?: () => void): Promise<ChannelResponse> {
    const mti = mtiOf(message);
    this.accounting.accepted(mti);
    const wrote: WriteMark = { written: false, onWrite: written };
    try {
      return await this.dispatch(message, timeout, undefined, false, undefined, false, performance.now() + timeout, true, wrote);
    } catch (err) {
      this.accounting.failed(mti, (err as Iso8583Error | undefined)?.code);
      throw markSent(err, wrote.written);
    }
  }

  /**
   * A channel from the pool, waiting no later than `deadline`, nor past its caller's abort (`abort`, the request's
   * `signal`): then the wait fails with `ISO8583_ERR_CONNECTOR_DEADLINE` (or `ISO8583_ERR_CONNECTOR_ABORTED`, never
   * written) and the channel the pool gives later goes straight back. `background` (an advice's SAF attempt; a
   * reversal's waits in arrival order): the pool serves every other borrower first (`ChannelPool.acquire`).
   */
  private acquireBy(deadline: number | undefined, mti: string, abort?: RequestAbort, background = false): Promise<Channel> {
    const acquired = this.pool.acquire(background);
    if (deadline === undefined && abort === undefined) return acquired;
    return new Promise<Channel>((resolve, reject) => {
      let late = false;
      const giveUp = (err: Iso8583Error): void => {
        if (late) return;
        late = true;
        clearTimeout(timer);
        reject(err);
      };
      const timer = deadline === undefined ? undefined : setTimeout(() => giveUp(deadlineError(mti)), timeLeft(deadline, performance.now()));
      abort?.whileWaiting(() => giveUp(abortedError(mti, false)));
      acquired.then(
        (channel) => {
          clearTimeout(timer);
          abort?.whileWaiting(undefined);
          if (late) this.pool.release(channel);
          else resolve(channel);
        },
        (err: unknown) => {
          clearTimeout(timer);
          abort?.whileWaiting(undefined);
          if (!late) reject(err as Error);
        },
      );
    });
  }

  /**
   * The frame of a request: packed (unless given `packed`, its wire image) and framed. It is counted as a packet once a
   * channel has written it (`accounting.packed` after `send`): a request the channel refuses (a duplicate key, a
   * closed connection) never reached the host.
   */
  private frameOf(message: MessageInput, header: Uint8Array | undefined, packed: Buffer | undefined): Buffer {
    const dialectHeader = this.codec.dialect.headerLength ? (this.frameHeader === undefined ? header : undefined) : undefined;
    const body = packed ?? this.codec.pack(message, dialectHeader === undefined ? undefined : { header: dialectHeader });
    const frameHeader = this.frameHeader === undefined ? undefined : (header ?? this.frameHeader);
    return encodeFrame(body, this.framing, frameHeader);
  }

  /**
   * A request answered on `channel`: the channel given back first, then counted (amounts, latency) and logged at
   * debug. Never throws: a failure of either is logged (its name only) and the answer stands.
   */
  private answeredOn(channel: Channel, mti: string, message: MessageInput, response: ChannelResponse): void {
    this.pool.release(channel);
    this.counted(channel, mti, message, response);
  }

  /**
   * An answer counted and logged at debug (`answeredOn`, once its channel is back in the pool; `safAttempt`: a SAF
   * entry's attempt, whose amount counts when the entry ends). Never throws.
   */
  private counted(channel: Channel, mti: string, message: MessageInput, response: ChannelResponse, safAttempt = false): void {
    try {
      this.accounting.answered(mti, message, response.message, response.latency, safAttempt);
      if (channel.logger.isLevelEnabled('debug')) {
        channel.logger.debug({ ...summarize(response.message), latencyMs: Math.round(response.latency * 1000) / 1000 }, 'response');
      }
    } catch (err) {
      // The host has answered (and a reversible request's outcome is journaled): the caller gets the answer whatever
      // the books or the debug line do, or an approved purchase would look failed and be tried again.
      logQuietly(channel.logger, 'error', { err: (err as Error | undefined)?.name, mti }, 'an answered request was not counted or logged');
    }
  }
}
