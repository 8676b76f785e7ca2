/**
 * The process's limit of open files against `maxConnections`: each connection holds a descriptor, so above the limit
 * the listener's accepts fail (EMFILE, which Node's listener retries without a word) before the connection cap is
 * reached: eviction never runs and a flood of silent connections locks every terminal out. Told once at the start.
 */
import { readFileSync } from 'node:fs';

/** The warning's code (docs/errors.md). */
export const FD_LIMIT_WARNING = 'ISO8583_WARN_INBOUND_FD_LIMIT';

/**
 * The soft limit of open files of this process, read from `/proc/self/limits` (Linux), or undefined where it cannot
 * be read (another system) or is `unlimited`. `read`: the text of that file (default: read it).
 */
export function openFilesLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  let text: string;
  try {
    text = read();
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(text)?.[1];
  return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
}

/** The warning line's fields when `maxConnections` is above the process's limit of open files (`limit`), else undefined. */
export function fdLimitWarning(maxConnections: number, limit: number | undefined): { code: string; maxConnections: number; limit: number } | undefined {
  return limit !== undefined && maxConnections > limit ? { code: FD_LIMIT_WARNING, maxConnections, limit } : undefined;
}
