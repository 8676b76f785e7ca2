/**
 * Network management (the 08xx class): sign-on (0800, field 70 = 001) when a connection opens, sign-off (002) before
 * it closes, the echo test (301) on a connection idle for `echoInterval`, and the automatic 0810 answer to an 0800 the
 * host initiates. Every 0800 the connector sends carries its own STAN (field 11) and transmission time (field 7).
 */
import { approvalCode, encodeFrame, isApproved, replyHeader } from '@iso8583/codec';
import type { Codec, FramingOptions, IsoMessage, Iso8583Error } from '@iso8583/codec';
import { transmissionTime } from './auto-fill.js';
import type { StanCounter } from './auto-fill.js';
import type { Channel, ChannelRequest } from './channel.js';
import { connectorError } from './errors.js';
import type { MatchKey } from './match-key.js';
import type { ResolvedConnectorOptions } from './options.js';

/** Field 70 (network management information code) of the requests the connector sends. */
export type NetworkCode = '001' | '002' | '301';

/** Sign-on, sign-off, echo and the 0810 answer, for the channels of one connector. */
export class NetworkManagement {
  private readonly echoing = new Set<Channel>();

  constructor(
    private readonly options: ResolvedConnectorOptions,
    private readonly codec: Codec,
    private readonly matchKey: MatchKey,
    private readonly framing: FramingOptions,
    /** The configured fixed frame header (`headerBytes` > 0), else undefined. */
    private readonly frameHeader: Buffer | undefined,
    /** The STAN counter shared with auto-filled requests, so that no two messages of the connector share a STAN. */
    private readonly stan: StanCounter,
  ) {}

  /** Signs on a new connection when `signOn` is set; rejects with `ISO8583_ERR_CONNECTOR_SIGN_ON` when refused. */
  async signOn(channel: Channel): Promise<void> {
    if (!this.options.signOn) return;
    const response = await this.request(channel, '001');
    if (!isApproved(this.codec.dialect, response['39'])) {
      throw connectorError('ISO8583_ERR_CONNECTOR_SIGN_ON', 'the host refused the sign-on', { mti: '0810' });
    }
  }

  /** Signs off an open connection when `signOff` is set (at most 2 s); never fails. */
  async signOff(channel: Channel): Promise<void> {
    if (!this.options.signOff || !channel.isOpen) return;
    await this.request(channel, '002', Math.min(this.options.requestTimeout, 2000)).catch(() => undefined);
  }

  /** An echo test on an idle connection (one at a time per connection); a missing answer closes the connection. */
  echo(channel: Channel): void {
    if (this.echoing.has(channel)) return;
    this.echoing.add(channel);
    this.request(channel, '301')
      .then(
        () => undefined,
        (err: Iso8583Error) => {
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

  /** A host-initiated 0800 (sign-on, echo, key exchange) is answered with 0810, its fields echoed, the dialect's approval code (`00`). */
  answer(channel: Channel, message: IsoMessage, header: Buffer): void {
    const reply: IsoMessage = { ...message, '0': '0810', '39': approvalCode(this.codec.dialect) };
    try {
      // The one rule for a reply's header (a 5-byte TPDU swapped, any other echoed), frame header or dialect header.
      const back = replyHeader(header);
      const body = this.codec.pack(reply, this.codec.dialect.headerLength ? { header: back } : {});
      channel.write(encodeFrame(body, this.framing, this.options.headerBytes > 0 ? back : undefined));
      channel.logger.debug({ mti: '0810', stan: message['11'], info: message['70'] }, 'answered a network management request');
    } catch (err) {
      channel.logger.warn({ code: (err as Iso8583Error).code }, 'cannot answer a network management request');
    }
  }

  /** Sends an 0800 with field 70 = `code` on one connection and resolves with the 0810. */
  private request(channel: Channel, code: NetworkCode, timeout = this.options.requestTimeout): Promise<IsoMessage> {
    const message: IsoMessage = { '0': '0800', '7': transmissionTime(), '11': this.stan.next(), '70': code };
    return new Promise<IsoMessage>((resolve, reject) => {
      const req: ChannelRequest = {
        key: this.matchKey.ofRequest(message),
        frame: encodeFrame(this.codec.pack(message), this.framing, this.frameHeader),
        mti: '0800',
        timeout,
        written: false,
        start: 0,
        timer: undefined,
        resolve: (r) => resolve(r.message),
        reject,
      };
      channel.send(req);
    });
  }
}
