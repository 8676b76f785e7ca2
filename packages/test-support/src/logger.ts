/** A pino logger whose lines a test reads back: what a component logged, parsed, and the bytes as written. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';

/**
 * A pino logger (level `level`, default `debug`) whose lines are kept, parsed, in `lines`, and as written in `text()`
 * (to show that some bytes never reached the log at all); `onLine` sees each parsed line as it is written.
 */
export function capturedLogger(level = 'debug', onLine: (line: Record<string, unknown>) => void = () => undefined): { logger: Logger; lines: Record<string, unknown>[]; text: () => string } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString('utf8');
      raw.push(text);
      for (const l of text.split('\n')) {
        if (l === '') continue;
        const line = JSON.parse(l) as Record<string, unknown>;
        lines.push(line);
        onLine(line);
      }
      done();
    },
  });
  return { logger: pino({ level }, stream), lines, text: () => raw.join('') };
}
