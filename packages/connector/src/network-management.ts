/**
 * Network management (the x8xx class): sign-on when a connection opens, sign-off before it closes, the echo test on a
 * connection that received nothing for `echoInterval` (requests written do not count: a wedged host is found under
 * traffic too), and the automatic answer to a network management request the host initiates.
 * The edition of the dialect (`Dialect.version`) says how: ISO 8583:1987 sends 0800 with field 70 (network
 * management information code 001 sign-on, 002 sign-off, 301 echo) and expects 0810 with one of the dialect's
 * approval codes (`approvalCodes`: 00, or 000 for a SmartVista host);
 * ISO 8583:1993 sends 1804 with field 24 (function code 801 sign-on, 802 sign-off, 831 echo) and expects 1814 with
 * action code 800 (accepted; 000 is taken too). Every request the connector sends carries its own STAN (field 11)
 * and transmission time (field 7).
 */
import { Iso8583Error, approvalCodesOf, dialectVersion, encodeFrame, maskMessage, networkManagementMti, replyHeader, responseCodeIn, responseMti, summarize } from '@iso8583/codec';
import type { Codec, DialectVersion, FramingOptions, IsoMessage } from '@iso8583/codec';
import { transmissionTime } from './auto-fill.js';
import type { StanCounter } from './auto-fill.js';
import { channelRequest } from './channel-request.js';
import type { Channel } from './channel.js';
import { connectorError } from './errors.js';
import { networkAnswer } from './network-answer.js';
import type { MatchKey } from './match-key.js';
import type { ResolvedConnectorOptions } from './options.js';

/** What a network management request asks for. */
export type NetworkAction = 'sign-on' | 'sign-off' | 'echo';

/** How each edition says it: the field that carries the code and the codes. */
const EDITIONS: Readonly<Record<DialectVersion, { field: string; codes: Record<NetworkAction, string> }>> = {
  '1987': { field: '70', codes: { 'sign-on': '001', 'sign-off': '002', echo: '301' } },
  '1993': { field: '24', codes: { 'sign-on': '801', 'sign-off': '802', echo: '831' } },
};

/** Sign-on, sign-off, echo and the 0810 answer, for the channels of one connector. */
export class NetworkManagement {
  private readonly echoing = new Set<Channel>();
  /** An echo went unanswered and no connection has answered one since. */
  private mute = false;
  /** Where the code goes and the codes: the dialect's own (`Dialect.networkManagement`), else the edition's. */
  private readonly edition: { field: string; codes: Record<NetworkAction, string> };
  /** Fixed fields every request carries (the dialect's `networkManagement.set`). */
  private readonly fixed: Readonly<Record<string, string>>;
  /** The answers that accept a network management request: 1987, the dialect's approval codes; 1993, 800 or 000 (00 where field 39 has 2 characters). */
  private readonly accepted: readonly string[];
  private readonly mti: string;

  constructor(
    private readonly options: ResolvedConnectorOptions,
    private readonly codec: Codec,
    private readonly matchKey: MatchKey,
    private readonly framing: FramingOptions,
    /** The configured fixed frame header (`headerBytes` > 0), else undefined. */
    private readonly frameHeader: Buffer | undefined,
    /** The STAN counter shared with auto-filled requests, so that no two messages of the connector share a STAN. */
    private readonly stan: StanCounter,
  ) {
    const version = dialectVersion(codec.dialect);
    const own = codec.dialect.networkManagement;
    this.edition = own ?? EDITIONS[version];
    this.fixed = own?.set ?? {};
    this.mti = networkManagementMti(version);
    // 1993: the codec's accepted action code of network management (800), and of an authorisation (000), which some
    // hosts answer; in a dialect whose field 39 has 2 characters, the 1987 `00` (the codec's `responseCodeIn`).
    this.accepted = version === '1987' ? approvalCodesOf(codec.dialect) : [responseCodeIn(codec.dialect, this.mti, '00'), responseCodeIn(codec.dialect, '1100', '00')];
  }

  /**
   * Signs on a new connection when `signOn` is set; rejects with `ISO8583_ERR_CONNECTOR_SIGN_ON` when refused or not
   * answered. Without `signOn`, after an echo went unanswered (a host that accepts connections and answers nothing), a
   * new connection must answer an echo test before it is used: so a mute host stays down (an upstream group keeps it
   * out) until it answers again; that echo not answered rejects with `ISO8583_ERR_CONNECTOR_SIGN_ON` too, worded for
   * the echo test ({@link readyError}).
   */
  async signOn(channel: Channel): Promise<void> {
    if (!this.options.signOn) {
      if (this.mute) await this.request(channel, 'echo').catch((err: unknown) => Promise.reject(readyError(err, 'the echo test of the new connection')));
      this.mute = false;
      return;
    }
    const response = await this.request(channel, 'sign-on').catch((err: unknown) => Promise.reject(readyError(err, 'the sign-on')));
    if (!this.accepted.includes(String(response['39']))) {
      throw connectorError('ISO8583_ERR_CONNECTOR_SIGN_ON', 'the host refused the sign-on', { mti: responseMti(this.mti) });
    }
  }

  /** Signs off an open connection when `signOff` is set (at most 2 s); never fails. */
  async signOff(channel: Channel): Promise<void> {
    if (!this.options.signOff || !channel.isOpen) return;
    await this.request(channel, 'sign-off', Math.min(this.options.requestTimeout, 2000)).catch(() => undefined);
  }

  /** An echo test on a connection that received nothing for `echoInterval` (one at a time); no answer closes it. */
  echo(channel: Channel): void {
    if (this.echoing.has(channel)) return;
    this.echoing.add(channel);
    this.request(channel, 'echo')
      .then(
        () => undefined,
        (err: Iso8583Error) => {
          if (err.code === 'ISO8583_ERR_CONNECTOR_TIMEOUT') this.mute = true;
          channel.logger.warn({ code: err.code }, 'echo test not answered: closing the connection');
          channel.destroy(connectorError('ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'echo test not answered', { cause: err }));
        },
      )
      .finally(() => this.echoing.delete(channel));
  }

  /** Forgets a closed connection. */
  forget(channel: Channel): void {
    this.echoing.delete(channel);
  }

  /** True for the network management request MTI of the dialect's edition (0800 or 1804), which {@link answer} takes. */
  isRequest(mti: string): boolean {
    return mti === this.mti;
  }

  /**
   * A host-initiated network management request (sign-on, echo, key exchange: 0800 or 1804) is answered with its
   * response MTI (0810, 1814), its fields echoed but 7 (now), the dialect's approval code (`00`; `000` under `smartvista`;
   * 1993: action code 800, accepted) and what the dialect's `networkManagement.answer` says (network-answer.ts).
   */
  answer(channel: Channel, message: IsoMessage, header: Buffer): void {
    const answerMti = responseMti(String(message['0'])) ?? responseMti(this.mti)!;
    const reply = networkAnswer(message, answerMti, this.accepted[0]!, this.codec.dialect.networkManagement?.answer);
    try {
      // The one rule for a reply's header (a 5-byte TPDU swapped, any other echoed), frame header or dialect header.
      const back = replyHeader(header);
      const body = this.codec.pack(reply, this.codec.dialect.headerLength ? { header: back } : {});
      channel.write(encodeFrame(body, this.framing, this.options.headerBytes > 0 ? back : undefined));
      // The request's keys as every log line shows them (summarize), and its code field as maskMessage shows it: a
      // dialect's own fields may carry anything (a PAN in an ans 19 field 11, card data in its code field).
      const { field } = this.edition;
      const info = message[field] === undefined ? {} : { info: maskMessage({ [field]: message[field] }, this.codec.dialect)[field] };
      channel.logger.debug({ ...summarize(message), mti: answerMti, ...info }, 'answered a network management request');
    } catch (err) {
      channel.logger.warn({ code: (err as Iso8583Error).code }, 'cannot answer a network management request');
    }
  }

  /** Sends a network management request (0800 with field 70, 1804 with field 24) and resolves with its answer. */
  private request(channel: Channel, action: NetworkAction, timeout = this.options.requestTimeout): Promise<IsoMessage> {
    const { field, codes } = this.edition;
    const message: IsoMessage = { ...this.fixed, '0': this.mti, '7': transmissionTime(), '11': this.stan.next(), [field]: codes[action] };
    return new Promise<IsoMessage>((resolve, reject) => {
      const frame = encodeFrame(this.codec.pack(message), this.framing, this.frameHeader);
      channel.send(channelRequest(this.matchKey.ofRequest(message), frame, this.mti, timeout, (r) => resolve(r.message), reject, this.matchKey.echoOf(message)));
    });
  }
}

/**
 * A new connection's sign-on (or, without `signOn`, the echo test it must answer after a mute host) that failed, as
 * the requests waiting for the connection see it: `ISO8583_ERR_CONNECTOR_SIGN_ON` whatever ended it (not answered
 * within `requestTimeout`, the connection dropped), the cause kept, the message naming what was sent (`what`). Those
 * requests never left: not a request timeout (504), and an upstream group tries them on another upstream. A close in
 * progress stays `ISO8583_ERR_CONNECTOR_CLOSED`.
 */
function readyError(err: unknown, what: string): Iso8583Error {
  if (err instanceof Iso8583Error && (err.code === 'ISO8583_ERR_CONNECTOR_SIGN_ON' || err.code === 'ISO8583_ERR_CONNECTOR_CLOSED')) return err;
  const code = err instanceof Iso8583Error ? ` (${err.code})` : '';
  return connectorError('ISO8583_ERR_CONNECTOR_SIGN_ON', `${what} was not answered${code}`, { cause: err });
}
