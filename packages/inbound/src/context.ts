import type { Logger } from 'pino';
import type { Iso8583Error } from '@iso8583/codec';
import type { SequenceContext } from './sequence.js';

/** A {@link SequenceContext} whose child logger is made on first use (a sequence that does not log pays nothing). */
export class MessageContext implements SequenceContext {
  #logger: Logger | undefined;

  constructor(
    readonly endpoint: string,
    readonly remoteAddress: string,
    readonly remotePort: number,
    readonly messageId: string,
    readonly connectors: Record<string, unknown>,
    private readonly parentLogger: Logger,
    readonly error?: Iso8583Error,
  ) {}

  /** A child logger with `messageId` bound. */
  get logger(): Logger {
    this.#logger ??= this.parentLogger.child({ messageId: this.messageId });
    return this.#logger;
  }

  /** The same context for the onError sequence, carrying the error. */
  withError(error: Iso8583Error): MessageContext {
    return new MessageContext(
      this.endpoint, this.remoteAddress, this.remotePort, this.messageId, this.connectors, this.parentLogger, error,
    );
  }
}
