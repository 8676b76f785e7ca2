import type { Logger } from 'pino';
import type { Dialect, Iso8583Error } from '@iso8583/codec';
import { messageMask } from './message-mask.js';
import type { MaskOrigin } from './message-mask.js';
import { maskingLogger } from './sequence-logger.js';
import type { SequenceContext } from './sequence.js';
import { goneSignal } from './client-gone.js';
import { childSafely, errorForLog } from './safe-log.js';
import type { LoggedError } from './safe-log.js';

/**
 * Where a context's logger comes from: the connection's sequence logger, and the message whose card data it hides (the
 * request as received, and the sequence's own `message.fields`, which it may give new card data: a PIN block
 * translated, a PAN detokenised; its mask kept there: message-mask.ts).
 */
export interface ContextOrigin extends MaskOrigin {
  readonly peer: { readonly sequenceLogger: Logger; readonly closed?: Promise<void> };
  /** The controller behind `signal`: made on its first read, or when the message expires. */
  abort?: AbortController;
}

/** What a {@link MessageContext} shows as JSON (its `toJSON`): no card data, no internals. */
export interface ContextView {
  endpoint: string;
  remoteAddress: string;
  remotePort: number;
  messageId: string;
  /** The names of the endpoint's `connectors`. */
  connectors: string[];
  /** For onError: its `error` as a log line shows it, the message's card data masked. */
  error?: LoggedError;
}

/**
 * A {@link SequenceContext} whose logger is made on first use (a sequence that does not log pays nothing): a pino child
 * with `messageId` bound that masks the message's card data wherever it appears in what is logged (see
 * sequence-logger.ts), and that never throws into the sequence (a logger that fails loses its line).
 */
export class MessageContext implements SequenceContext {
  #logger: Logger | undefined;
  /**
   * The message in flight (the endpoint, its connection, its neighbours in the deadline list: other clients' card
   * data, the TLS key of the options): a true private field, so that nothing that walks the context (a log line's
   * copy, `JSON.stringify`, `util.inspect`) reaches it.
   */
  readonly #origin: ContextOrigin;
  /** onError's own controller behind `signal` (`withError`); undefined for the main sequence's context. */
  readonly #own: AbortController | undefined;

  constructor(
    readonly endpoint: string,
    readonly remoteAddress: string,
    readonly remotePort: number,
    readonly messageId: string,
    readonly connectors: Record<string, unknown>,
    origin: ContextOrigin,
    readonly error?: Iso8583Error,
    own?: AbortController,
  ) {
    this.#origin = origin;
    this.#own = own;
  }

  /** A child logger with `messageId` bound, masking the message's card data. */
  get logger(): Logger {
    const origin = this.#origin;
    this.#logger ??= maskingLogger(
      childSafely(origin.peer.sequenceLogger, { messageId: this.messageId }),
      // Looked up at each line: made again when the sequence has changed its fields since (a value it puts into its
      // message after its first line is masked too), else the message's mask as it was.
      () => messageMask(origin),
      origin.dialect,
    );
    return this.#logger;
  }

  /** The endpoint's dialect (the message's): what a sequence writes its own response codes by (`responseCodeIn`). */
  get dialect(): Dialect {
    return this.#origin.dialect;
  }

  /**
   * Aborted when the endpoint gives up on the message: for the sequence, when it fails or its `sequenceTimeout`
   * passes (before onError runs); for onError, a signal of its own, aborted when onError fails or its own
   * `sequenceTimeout` passes (the client then gets a 96), so that a request onError sends with it is not refused.
   * Either is also aborted, with `ISO8583_ERR_INBOUND_CLOSED`, when `close()` gives up on it still running (its
   * deadline, `destroy()`: give-up.ts); one aborted before keeps its reason.
   */
  get signal(): AbortSignal {
    if (this.#own !== undefined) return this.#own.signal;
    this.#origin.abort ??= new AbortController();
    return this.#origin.abort.signal;
  }

  /** Aborted when the message's connection closes (client-gone.ts); the connection's, made on first read. */
  get gone(): AbortSignal {
    return goneSignal(this.#origin);
  }

  /**
   * What `JSON.stringify` (and so a log line of `{ context }`) shows: the endpoint, the client's address and port, the
   * message id, the names of the connectors (never the connectors themselves), and for onError the error as a log line
   * shows it (code, name, message, stack, `sent`), the message's card data masked.
   */
  toJSON(): ContextView {
    const view: ContextView = {
      endpoint: this.endpoint,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
      messageId: this.messageId,
      connectors: Object.keys(this.connectors),
    };
    if (this.error !== undefined) view.error = errorForLog(this.error, messageMask(this.#origin));
    return view;
  }

  /**
   * The same context for the onError sequence, carrying the error; its `signal` is `own`'s (the caller aborts it when
   * it gives up on onError), not the failed sequence's, which is aborted already.
   */
  withError(error: Iso8583Error, own: AbortController): MessageContext {
    return new MessageContext(
      this.endpoint, this.remoteAddress, this.remotePort, this.messageId, this.connectors, this.#origin, error, own,
    );
  }
}
