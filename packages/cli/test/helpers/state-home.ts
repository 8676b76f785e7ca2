/** A per-user state folder of a test's own (XDG_STATE_HOME, read by the connector's defaultJournalDir), put back after it. */
import { join } from 'node:path';
import { folder } from './owed-journal.js';

/** A temporary folder (`iso8583-PREFIX-…`) whose `state` is XDG_STATE_HOME until the test ends (children inherit it). */
export function stateHome(t: { after: (fn: () => void) => void }, prefix: string): string {
  const dir = folder(t, prefix);
  const before = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = join(dir, 'state');
  t.after(() => {
    if (before === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = before;
  });
  return dir;
}
