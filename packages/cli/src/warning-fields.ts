/**
 * The fields of a warning line's log record: its code when the text begins with one (`ISO8583_WARN_...: text`), so
 * that an operator alerting on the code finds every such line (the gateway's start warnings, config.ts and
 * journal-stranded.ts), none for a line without one.
 */
export function warningFields(line: string): { code?: string } {
  const code = /^(ISO8583_WARN_[A-Z0-9_]+):/.exec(line)?.[1];
  return code === undefined ? {} : { code };
}
