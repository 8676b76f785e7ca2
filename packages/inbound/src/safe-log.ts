import type { ChildLoggerOptions, Logger } from 'pino';
import { CODE_WITHHELD, maskFreeText } from '@iso8583/codec';
import type { CardDataMask } from './card-data-mask.js';
import { codeOf } from './errors.js';

/**
 * The code of `err` for a log line about a message ({@link codeOf}: a code not shaped like one is withheld), also
 * withheld when it holds any of the message's card data (`mask`: a PIN block or a CVV is shaped like a code).
 */
export function codeForLog(err: unknown, mask?: CardDataMask): string {
  const code = codeOf(err);
  return mask === undefined || mask.text(code) === code ? code : CODE_WITHHELD;
}

/**
 * Writes one log line without letting the logger change what happens next (`@iso8583/metrics`' `logSafely`, the one
 * home the connector uses too). A logger that throws (a pino destination that throws, a custom logger, a fault while
 * the fields are made) loses its line and nothing else: the count made before it stands, onError still runs, the client
 * still gets its answer, `onLateResult` is still told. Every line the endpoint writes goes through here, and so does
 * every call a sequence makes to `context.logger` (sequence-logger.ts): a sequence that logs its approval through a
 * failing logger still returns it.
 */
export { logSafely } from '@iso8583/metrics';

/**
 * `logger.child(bindings, options)`, or `logger` itself when making the child throws (a custom logger): a
 * connection's (a message's, a sequence's child's) lines then go without its bindings, and the connection is served
 * all the same (a throw in the listener's connection handler would end the process; one in a sequence, its answer).
 */
export function childSafely(logger: Logger, bindings: Record<string, unknown>, options?: ChildLoggerOptions): Logger {
  try {
    return options === undefined ? logger.child(bindings) : logger.child(bindings, options);
  } catch {
    return logger;
  }
}

/** An error as a log field. */
export interface LoggedError {
  code: string;
  name: string;
  message: string;
  stack?: string;
  /**
   * Whether a connector request may be at the host, when the error says it (`sent` of a connector failure, or of the
   * sequence timeout a request given `context.signal` told): `'maybe'` (it is reversed) or `'no'`.
   */
  sent?: 'no' | 'maybe';
}

/**
 * An error as a log field: its code ({@link codeForLog}), name, message and stack, with the card data of the message it is about masked
 * (`mask`: every value of its sensitive fields, in every form), then masked as free text (the codec's `maskFreeText`
 * of a field it does not define, the one rule: any other digit run that could be a PAN masked and the track data after
 * one hidden, and the numbers it spells as the hex of ASCII, EBCDIC or Unicode text: another card's `F4F1F1...`). The
 * endpoint's own errors never contain values; a sequence's may (`new Error(`declined ${fields['2']}`)`).
 */
export function errorForLog(err: unknown, mask?: CardDataMask): LoggedError {
  const clean = (text: string): string => maskFreeText(mask === undefined ? text : mask.text(text));
  const name = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : String(err);
  const out: LoggedError = { code: codeForLog(err, mask), name: clean(name), message: clean(message) };
  if (err instanceof Error && typeof err.stack === 'string') out.stack = clean(err.stack);
  const sent = (err as { sent?: unknown } | null | undefined)?.sent;
  if (sent === 'no' || sent === 'maybe') out.sent = sent;
  return out;
}
