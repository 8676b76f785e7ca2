// A pino logger writing to memory, whose lines the test can wait for: the endpoint's own report of what it did.
import { Writable } from 'node:stream';
import { pino } from 'pino';

export interface CapturedLogs {
  readonly logger: pino.Logger;
  /** Every byte written so far. */
  text(): string;
  /** Resolves with the first line (already written or to come) whose text matches `pattern`. */
  waitFor(pattern: RegExp): Promise<string>;
}

export function captureLogs(level: pino.Level = 'debug'): CapturedLogs {
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) {
        if (line === '') continue;
        lines.push(line);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i]!.pattern.test(line)) waiters.splice(i, 1)[0]!.resolve(line);
        }
      }
      callback();
    },
  });
  return {
    logger: pino({ level }, stream),
    text: () => lines.join('\n'),
    waitFor: (pattern) => {
      const found = lines.find((line) => pattern.test(line));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
  };
}
