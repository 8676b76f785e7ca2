/**
 * What a command running user code (`iso8583 run`: a flow's sequence modules) does with a fault of that code that
 * belongs to no request: Node's own handling would print its text raw on stderr (a sequence's
 * `Promise.reject(new Error(pan))`, `process.emitWarning(track2)`: card data) and, for a rejection or an exception, end
 * the process at once (every other terminal's connection cut, its request without its outcome). Instead:
 * - an unhandled rejection is logged at `error` (`ISO8583_ERR_UNHANDLED_REJECTION`) and handled as an uncaught exception:
 *   the handler is process-wide, and the product's own fire-and-forget promises (a store-and-forward attempt, a journal
 *   write) rely on never rejecting, so one that does leaves work (a reversal to retry) that only a restart's recovery
 *   picks up again;
 * - an uncaught exception is logged at `error` (`ISO8583_ERR_UNCAUGHT_EXCEPTION`), then the flow stops gracefully (each
 *   request in flight gets its one outcome) and the command exits 1;
 * - a process warning is logged at `warn` (`ISO8583_WARN_PROCESS_WARNING`) instead of Node's stderr line.
 * Their text belongs to no message, so no message's mask applies: it is masked as text from elsewhere ({@link maskFaultText}).
 */
import { maskUntrustedText, safeErrorCode } from '@iso8583/codec/error-text';
import type { Logger } from 'pino';

/** The longest text of a fault logged (its message, its stack frames): a longer one is cut. */
const MAX_FAULT_TEXT = 2_000;

/** How much of a fault's text past {@link MAX_FAULT_TEXT} is masked with it: longer than any PAN's spelling. */
const MASK_SLACK = 256;

/**
 * `text` as a fault's text is logged: the codec's masking of text from elsewhere (`maskUntrustedText`: PAN-shaped
 * digit runs as masked PANs, their hex spellings, byte-dump-shaped runs in hex or base64, track 1 names, spaced hex),
 * then cut to {@link MAX_FAULT_TEXT}.
 */
export function maskFaultText(text: string): string {
  // Masked before the cut (a cut through a PAN would leave its head, 11 digits, unmasked), on a bounded part of the
  // text: whatever straddles the cut (a PAN, its hex spelling, a dump run) is whole in it, so masked as a whole.
  const masked = maskUntrustedText(text.slice(0, MAX_FAULT_TEXT + MASK_SLACK));
  return text.length > MAX_FAULT_TEXT ? `${masked.slice(0, MAX_FAULT_TEXT)}...` : masked;
}

/**
 * A fault as a log field: an error's type, code (the codec's `safeErrorCode`: one not shaped like a code withheld),
 * message and stack frames (its `at` lines; the first line repeats the message), each masked ({@link maskFaultText}).
 * Anything else thrown: its type only (an object's contents may be a message's fields).
 */
export function faultView(value: unknown): Record<string, unknown> {
  // A fault's parts are user code (a `name` that is no string, a `stack` getter that throws): a throw here, inside the
  // process's fault listener, would end the process raw (exit 7), the requests in flight cut.
  try {
    return readFault(value);
  } catch {
    return { type: 'unreadable' };
  }
}

/** {@link faultView}'s reading of a fault, which may throw. */
function readFault(value: unknown): Record<string, unknown> {
  if (!(value instanceof Error)) return { type: value === null ? 'null' : typeof value };
  const frames = String(value.stack ?? '')
    .split('\n')
    .filter((line) => line.startsWith('    at '))
    .join('\n');
  const code = safeErrorCode(value);
  return {
    type: maskFaultText(String(value.name)),
    ...(code === undefined ? {} : { code }),
    message: maskFaultText(String(value.message)),
    ...(frames === '' ? {} : { stack: maskFaultText(frames) }),
  };
}

/**
 * Handles the process's unhandled rejections, uncaught exceptions and warnings as the module says, on `logger`;
 * `stop` is called at the first unhandled rejection or uncaught exception (the command's graceful stop), before the
 * fault is logged. `ended`: whether the command's stop has decided its exit code (signals.ts `settled`; default
 * never): a fault then is only logged, saying so (the exit code the stop decided stays; sr68c #3; an abort whose grace
 * ran out may still be storing reversals then, sr69r #5), and neither calls `stop` nor counts as `crashed`. Returns the undo (Node's own warning printer put back), and whether such a fault came before the end.
 */
export function handleProcessFaults(logger: Logger, stop: () => void, ended: () => boolean = () => false): { crashed: () => boolean; dispose: () => void } {
  let crashed = false;
  // The stop comes first: should the logging itself fail, the flow still stops gracefully.
  const onFault = (code: string, fault: unknown, what: string): void => {
    const late = ended();
    const first = !late && !crashed;
    if (first) {
      crashed = true;
      stop();
    }
    const text = late ? `${what} after the stop decided the exit code (it stays)` : first ? `${what}: stopping gracefully (exit 1)` : `${what} while stopping`;
    try {
      logger.error({ code, fault: faultView(fault) }, text);
    } catch {
      // A logger that throws here would end the process at once (a throw in an uncaughtException listener): the
      // graceful stop already begun goes on (sr67o #2).
    }
  };
  const onRejection = (reason: unknown): void => onFault('ISO8583_ERR_UNHANDLED_REJECTION', reason, 'a promise was rejected and nothing handled it');
  const onException = (err: unknown): void => onFault('ISO8583_ERR_UNCAUGHT_EXCEPTION', err, 'an uncaught exception');
  const onWarning = (warning: Error): void => {
    logger.warn({ code: 'ISO8583_WARN_PROCESS_WARNING', fault: faultView(warning) }, 'a process warning');
  };
  // Node's own printer of warnings (stderr, the text raw) is a listener of its own: replaced while the command runs.
  const printers = process.listeners('warning');
  for (const printer of printers) process.off('warning', printer);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  process.on('warning', onWarning);
  return {
    crashed: () => crashed,
    dispose: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
      process.off('warning', onWarning);
      for (const printer of printers) process.on('warning', printer);
    },
  };
}
