/**
 * What a killed gateway's file journal says of each transaction, read the way a start reads it
 * (docs/operations.md, "The reversal journal": one JSON record a line, `add` with the reversal's fields, `done` with
 * its outcome; a line cut by the crash is not a record). Read right after the kill, before the next start compacts it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The journal's last word on a transaction: `open` (an `add` with no `done`: the next start reverses it) or a `done` outcome. */
export type JournalWord = 'open' | 'not-needed' | 'reversed' | 'abandoned' | 'expired' | 'delivered';

/** Each transaction the journal in `dir` holds, by terminal (41) + STAN (11) + date and time (7), as the ledger keys it. */
export function journalWords(dir: string): Map<string, JournalWord> {
  const keys = new Map<string, string>();
  const words = new Map<string, JournalWord>();
  for (const line of readFileSync(join(dir, 'reversals.jsonl'), 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    let record: { op?: string; id?: string; outcome?: JournalWord; reversal?: Record<string, string> };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue; // a line cut by the crash: never written, as a start reads it
    }
    if (record.id === undefined) continue;
    if (record.op === 'add' && record.reversal !== undefined) {
      const r = record.reversal;
      const key = `${String(r['41'] ?? '').trim()}/${String(r['11'] ?? '')}/${String(r['7'] ?? '')}`;
      keys.set(record.id, key);
      if (!words.has(key)) words.set(key, 'open');
    } else if (record.op === 'done' && record.outcome !== undefined) {
      const key = keys.get(record.id);
      if (key !== undefined) words.set(key, record.outcome);
    }
  }
  return words;
}
