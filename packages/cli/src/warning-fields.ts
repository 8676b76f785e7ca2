/**
 * The fields of a warning line's log record: its code when the text begins with one (`ISO8583_WARN_...: text`), so
 * that an operator alerting on the code finds every such line (the gateway's start warnings, config.ts and
 * journal-stranded.ts; `iso8583 run`'s), none for a line without one.
 */
export function warningFields(line: string): { code?: string } {
  const code = /^(ISO8583_WARN_[A-Z0-9_]+):/.exec(line)?.[1];
  return code === undefined ? {} : { code };
}

/** Code of the line a graceful stop logs when its shutdown deadline passed ({@link deadlinePassedLine}). */
export const SHUTDOWN_DEADLINE_PASSED = 'ISO8583_WARN_SHUTDOWN_DEADLINE_PASSED';

/**
 * The warn line (its fields, its text) of a graceful stop whose shutdown deadline passed: `who` (`gateway`, `flow
 * NAME`) aborts what is left. Its code ({@link SHUTDOWN_DEADLINE_PASSED}) a field, its text as it was.
 */
export function deadlinePassedLine(who: string): [{ code: string }, string] {
  return [{ code: SHUTDOWN_DEADLINE_PASSED }, `${who} shutdown deadline passed: aborting what is left`];
}
