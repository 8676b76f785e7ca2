/**
 * What the host sends that answers no request in flight: a late response (its request had already timed out) is
 * logged and reported (`late-response`), and an approval of a transaction whose reversal undid nothing is reversed
 * again (reversal-overtaken.ts), late or not by the connector's late keys (they forget the oldest past 1024
 * timeouts per connection open at once, up to `pool.max`, at most 16 connections' worth, the reversal's `25` is remembered 10 minutes); any other response (a duplicate answer, one whose key no request in flight
 * has) is logged and reported (`unsolicited`), an approval of a reversible request among them offered to the reversals
 * as a late approval (it may come before its reversal's `25`, and a shared journal keeps the `25` in its row), unless it
 * is the host's copy of an answer that came on the connection already (late-keys.ts `copyOfAnswer`: that whole answer
 * again, under a key among the connector's last 4096 answers per connection, `ANSWERED_KEYS`): that answer was matched to its
 * request, so its copy calls for no look-up and no note of an approval by STAN and terminal that a later `25` of a
 * transaction reusing the STAN would take for this one's (the memory of `25`s is still asked: a late approval taken for
 * a copy is reversed again); the copy of an answer that matched no request only (no request ties it to a booking) is
 * looked up in a shared journal all the same, counted nowhere; a host-initiated request other than 0800 (network
 * management has its own home) is logged, reported (`unsolicited`) and handed to `onUnsolicited`, whose reply goes
 * back on the same connection with the request's header. Only host-initiated requests reach `onUnsolicited`.
 */
import type { EventEmitter } from 'node:events';
import { Iso8583Error, encodeFrame, summarize } from '@iso8583/codec';
import type { Codec, FramingOptions, IsoMessage } from '@iso8583/codec';
import { connectorError } from './errors.js';
import { logQuietly } from './quiet-log.js';
import { isRequestMti, mtiText } from './match-key.js';
import type { Channel } from './channel.js';
import type { Copy, SentAmount } from './late-keys.js';
import type { ConnectorEvents } from './events.js';
import type { UnsolicitedHandler } from './options.js';

/** Late responses and host-initiated requests of one connector. */
export class Unsolicited {
  constructor(
    /** The connector: its events are emitted only when listened to. */
    private readonly emitter: EventEmitter<ConnectorEvents>,
    private readonly connector: string,
    private readonly handler: UnsolicitedHandler | undefined,
    private readonly codec: Codec,
    private readonly framing: FramingOptions,
    /** True when frames carry a fixed header (`headerBytes` > 0): the reply then carries the request's. */
    private readonly frameHeader: boolean,
    private readonly failed: (err: Iso8583Error) => void,
    /**
     * Looks at a late response (`sent`: what its request sent as fields 3 and 4, when known): counts it
     * (`Accounting.late`), and offers it to the SAF queue (`lateAnswer`: the answer of an entry's last attempt ends it).
     */
    private readonly lateAnswer?: (message: IsoMessage, sent?: SentAmount) => void,
    /**
     * Whether a response that is not late by the connector's late keys (they forget the oldest past 1024 timeouts a connection)
     * approves a transaction whose reversal this node remembers as undoing nothing (`25`, kept 10 minutes): it is then
     * handled as a late response, and that transaction reversed again (reversal-overtaken.ts).
     */
    private readonly overtaken?: (message: IsoMessage) => boolean,
    /**
     * Offers the reversals a response that is not late by its connection's late keys and that `overtaken` does not
     * claim (reversal-overtaken.ts: an approval may come before its reversal's `25`, and a shared journal keeps the
     * `25` in its row, not in this node's memory): an approval of a reversible request is noted, and looked up in a
     * shared journal, as a late approval; anything else is ignored. It is reported as `unsolicited` all the same.
     * `copy` (default false): the host's copy of an answer that matched no request taken already (late-keys.ts `Copy`,
     * `'unsolicited-copy'`): looked up in a shared journal only (reversal.ts `lateCopy`; nothing counted, nothing noted),
     * as it may be another booking's genuine late approval (fix67a #1).
     */
    private readonly approval?: (message: IsoMessage, copy?: boolean) => void,
  ) {}

  /**
   * Logs `msg` (at info) and emits `event` to its listeners; a listener or logger that throws is logged quietly and
   * ignored: it runs on the connection's read loop, where a throw would break the stream.
   */
  private tell(channel: Channel, event: 'late-response' | 'unsolicited', message: IsoMessage, info: { connector: string; channel: number; header: Buffer }, msg: string): void {
    logQuietly(channel.logger, 'info', summarize(message), msg);
    try {
      if (this.emitter.listenerCount(event) > 0) this.emitter.emit(event, message, info);
    } catch (err) {
      logQuietly(channel.logger, 'error', { listenerError: (err as Error | undefined)?.name ?? typeof err }, `a ${event} listener threw: ignored`);
    }
  }

  /**
   * A message that matched no pending request (`late`: its request had timed out, `sent` what it sent as fields 3, 4;
   * `copy`: the host's copy of an answer that came on the connection already, reported only, late-keys.ts `Copy`; one
   * of an answer that matched no request only, `'unsolicited-copy'`, offered to the reversals too; default none).
   */
  received(channel: Channel, message: IsoMessage, header: Buffer, late: boolean, sent?: SentAmount, copy?: Copy): void {
    const info = { connector: this.connector, channel: channel.id, header };
    const request = isRequestMti(mtiText(message['0']));
    // A copy too: the memory of reversals that undid nothing is asked (no look-up), a late approval a copy's test took for
    // one (late-keys.ts `stale`) still reversed.
    if (late || (!request && this.overtaken?.(message) === true)) {
      // The SAF queue first: a listener (or a logger) that throws never keeps the bank's answer from ending its entry,
      // nor breaks the read loop (every request in flight on the connection would fail as maybe sent).
      this.lateAnswer?.(message, sent);
      this.tell(channel, 'late-response', message, info, 'late response (its request had timed out)');
      return;
    }
    // A response with no request in flight (a duplicate answer, one for a key never sent), or the host's duplicate of
    // an answered request's while a request reusing its key waits (channel.ts): reported, never answered. An approval
    // among them may be a late one whose key the late keys forgot: offered to the reversals first (their memory and a
    // shared journal decide; a duplicate finds what it calls for taken already; the approval of a request declined in
    // time is logged and counted, never reversed, reversal-declined.ts; an approval never reversed nor declined does nothing).
    // Not the host's copy of an answer matched here already: it is no late approval. The copy of an answer that matched
    // no request only is looked up in a shared journal, not counted: one byte for byte like an approval taken may be
    // another booking's genuine late one (no request ties either to a booking), whose reversal another node's `25` left
    // undone since the first was looked up (a repeat of it is stored once, whoever asks, fix67a #1).
    if (!request && copy !== 'copy') this.approval?.(message, copy === 'unsolicited-copy');
    this.tell(channel, 'unsolicited', message, info, request ? 'unsolicited message' : 'unsolicited response (a duplicate answer, or no request in flight has its match key)');
    const handler = this.handler;
    if (handler === undefined || !request) return;
    Promise.resolve()
      .then(() => handler(message, info))
      .then((reply) => {
        if (reply === undefined || reply === null || !channel.isOpen) return;
        const body = this.codec.pack(reply, this.codec.dialect.headerLength ? { header } : {});
        channel.write(encodeFrame(body, this.framing, this.frameHeader ? header : undefined));
      })
      .catch((err: unknown) => {
        const code = err instanceof Iso8583Error ? err.code : undefined;
        channel.logger.warn({ code: 'ISO8583_ERR_CONNECTOR_UNSOLICITED', cause: code }, 'the unsolicited-message handler failed');
        this.failed(
          connectorError('ISO8583_ERR_CONNECTOR_UNSOLICITED', `the onUnsolicited handler failed${code === undefined ? '' : ` (${code})`}`, {
            cause: err,
          }),
        );
      });
  }
}
