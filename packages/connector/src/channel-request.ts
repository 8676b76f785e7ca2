/**
 * What passes between a connector and its channels (channel.ts): a request handed to a channel (its key, frame and
 * timeout; `written` once on the wire), the response it settles with, and what a channel needs from its connector.
 */
import type { Codec, Dialect, FramingOptions, IsoMessage, Iso8583Error, MessageInput } from '@iso8583/codec';
import type { Channel } from './channel.js';
import { isRepeatMti } from './match-key.js';
import type { MatchKey } from './match-key.js';
import type { Copy, SentAmount } from './late-keys.js';
import type { ResolvedConnectorOptions } from './options.js';

/** The response to a request, with the header bytes of its frame. */
export interface ChannelResponse {
  /** The decoded response. */
  message: IsoMessage;
  /** The fixed header of the response frame (or the dialect header when there is no frame header). */
  header: Buffer;
  /** Milliseconds from the write to the response. */
  latency: number;
  /** The response's wire image as received (without length header and frame header). */
  body: Buffer;
  /** The dialect of `body`: the connector's (so that a response is an `EncodedResponse` as it is, see relay.ts). */
  dialect: Dialect;
}

/**
 * A request handed to a channel. `written` tells, after a failure, whether the outcome at the host is unknown. Its
 * fields 3 and 4 (`SentAmount`) are kept with its key if it times out: its late answer counts them when it does not
 * echo them.
 */
export interface ChannelRequest extends SentAmount {
  /** The match key its response will carry. */
  readonly key: string;
  /** The complete frame (length header, fixed header, message). */
  readonly frame: Buffer;
  /** The request MTI (for logs). */
  readonly mti: string;
  /** Milliseconds to wait for the response. */
  readonly timeout: number;
  /**
   * Its field 7 (transmission date and time) as sent (wire text; `MatchKey.echoOf`), `undefined` when absent. Stored
   * with its key if it times out; read only when its key is also that of a request that timed out on the channel: an
   * answer echoing the field 7 of a timed-out request, not this one's, is that request's late answer.
   */
  readonly echo7: string | undefined;
  /**
   * True for a request of one transaction with the requests before it under its key (a repeat, a reversal / SAF
   * attempt): every answer under its key is its own, whatever its field 7 (that of an earlier attempt too).
   */
  readonly anyAnswer: boolean;
  /** Set once the frame was handed to the socket: from then on a failure leaves the outcome unknown. */
  written: boolean;
  /** `performance.now()` at the write. */
  start: number;
  /** The channel's count of bytes handed to its socket once this request's frame was (`Channel.write`): where its frame ends. */
  end: number;
  timer: NodeJS.Timeout | undefined;
  resolve(response: ChannelResponse): void;
  reject(err: Iso8583Error): void;
}

/**
 * A request for {@link Channel.send}: not written yet, no timer. `echo7`: its field 7 as sent (`MatchKey.echoOf`;
 * default `undefined`, absent: an answer under its key is its own, as without the check). `attempt` (default false):
 * a reversal / SAF attempt, which takes any answer under its key, as a repeat MTI does. `sent`: the request (default
 * none), whose fields 3, 4, 49, 11 and 41 only are kept (`SentAmount`).
 */
export function channelRequest(
  key: string,
  frame: Buffer,
  mti: string,
  timeout: number,
  resolve: (response: ChannelResponse) => void,
  reject: (err: Iso8583Error) => void,
  echo7?: string,
  attempt = false,
  sent?: MessageInput,
): ChannelRequest {
  const processingCode = sent?.['3'];
  const amount = sent?.['4'];
  const currency = sent?.['49'];
  const stan = sent?.['11'];
  const terminal = sent?.['41'];
  return { key, frame, mti, timeout, echo7, anyAnswer: attempt || isRepeatMti(mti), processingCode, amount, currency, stan, terminal, written: false, start: 0, end: 0, timer: undefined, resolve, reject };
}

/**
 * True for a request MTI whose answer must carry field 39 (response code) to tell its outcome: authorisation,
 * financial and reversal / chargeback requests and advices, repeats too (`0100`, `0200`, `0201`, `0220`, `0400`,
 * `0420`, `1200` ...). An answer to one without field 39 does not say whether the host approved (or applied) it: the
 * channel fails the request with `ISO8583_ERR_CONNECTOR_BAD_RESPONSE`. Not network management (`0800`: an echo or
 * sign-on answer is taken as it comes), nor any other class.
 */
export function answerNeedsCode(mti: string): boolean {
  const kind = mti[1];
  const fn = mti[2];
  return mti.length === 4 && (kind === '1' || kind === '2' || kind === '4') && (fn === '0' || fn === '2');
}

/** What a channel needs from its connector. */
export interface ChannelHost {
  readonly options: ResolvedConnectorOptions;
  readonly codec: Codec;
  readonly matchKey: MatchKey;
  readonly framing: FramingOptions;
  /**
   * A message that matched no pending request (`late`: its request had timed out, `sent` what it sent as fields 3 and
   * 4 when known; `copy`: the host's copy of an answer that came here already, late-keys.ts `stale`, `copyOfAnswer`,
   * and of which kind, late-keys.ts `Copy`; default none), or a host-initiated request.
   */
  unmatched(channel: Channel, message: IsoMessage, header: Buffer, late: boolean, sent?: SentAmount, copy?: Copy): void;
  /** True for the network management request MTI of the dialect's edition (0800, 1804). */
  isNetworkRequest(mti: string): boolean;
  /** A host-initiated 0800 or 1804 (network management), to be answered with 0810 or 1814. */
  networkRequest(channel: Channel, message: IsoMessage, header: Buffer): void;
  /** The channel's connection ended (`err` when it failed). Called once. */
  closed(channel: Channel, err: Iso8583Error | undefined): void;
  /** Sends an echo test (0800, field 70 = 301) on an idle channel. */
  echo(channel: Channel): void;
  /** Something went wrong on the channel that fails no request by itself (an undecodable message, broken framing). */
  problem(channel: Channel, err: Iso8583Error): void;
}
