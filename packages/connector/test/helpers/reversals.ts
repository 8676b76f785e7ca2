/**
 * Watching a connector's reversals in its tests: every `reversal` event in order, and the first one at a stage
 * (`answered`, `abandoned`, ...) as a promise; and the reversal journal's lines as written.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Connector, ReversalEvent } from '../../src/index.js';

/** The reversal events seen so far, and the first at the stage awaited. */
export interface ReversalWatch {
  /** Every `reversal` event, in order. */
  events: ReversalEvent[];
  /** Resolves with the first event at the stage awaited. */
  reached: Promise<ReversalEvent>;
}

/** Watches `connector`'s reversals from now; `reached` is the first event at `stage` (default `answered`). */
export function watchReversals(connector: Connector, stage: ReversalEvent['stage'] = 'answered'): ReversalWatch {
  const events: ReversalEvent[] = [];
  const reached = new Promise<ReversalEvent>((resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      events.push(e);
      if (e.stage === stage) resolve(e);
    }),
  );
  return { events, reached };
}

/** A line of the file journal: what was done (`add`, `attempt`, `done`) to which entry. */
export interface JournalLine {
  op: string;
  id: string;
  kind?: string;
  outcome?: string;
  attempt?: number;
}

/** The lines of the file journal in `dir` (`reversals.jsonl`), parsed. */
export function journalLines(dir: string): JournalLine[] {
  return readFileSync(join(dir, 'reversals.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JournalLine);
}
