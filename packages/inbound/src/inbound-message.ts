import { summarize, toXml } from '@iso8583/codec';
import type { IsoMessage, MessageSummary } from '@iso8583/codec';
import type { InboundMessage } from './sequence.js';

/** An {@link InboundMessage} whose XML view is built on first read and kept. */
export class ReceivedMessage implements InboundMessage {
  #xml: string | undefined;

  constructor(
    readonly fields: IsoMessage,
    readonly raw: Buffer,
    readonly header: Buffer,
    readonly mti: string,
  ) {}

  /** The `ISOMessage` XML (with `<header>` in base64 when there are header bytes). */
  get xml(): string {
    if (this.#xml === undefined) {
      this.#xml = toXml(this.fields, this.header.length > 0 ? { header: this.header } : {});
    }
    return this.#xml;
  }

  /**
   * What `JSON.stringify` (and so a pino log line) shows: the safe keys only (MTI, STAN, terminal, response code),
   * never card data. Read `fields` for the message itself.
   */
  toJSON(): MessageSummary {
    return summarize(this.fields);
  }
}
