/**
 * One log line written without letting the logger change what happens next: the one home of the rule for the
 * connector (undelivered-approval.ts) and the inbound endpoint (its safe-log.ts), which cannot import each other.
 */

/**
 * Writes one log line (`write`: the logger call, and the fields it is given) without letting the logger change what
 * happens next. A logger that throws (a pino destination that throws, a custom logger, a fault while the fields are
 * made) loses its line and nothing else: the count made before it stands, and the caller goes on (a reversal is
 * still stored, a client still gets its answer).
 */
export function logSafely(write: () => void): void {
  try {
    write();
  } catch {
    // The logger is what failed: the line is lost, the outcome is not (the metrics count what it would have said).
  }
}
