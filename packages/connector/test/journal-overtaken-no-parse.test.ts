// Issue 10: every approval in time asks the file journal whether it retires a record of a reversal that undid nothing
// (journal-overtaken.ts `retiring`). With no record kept or noted (nearly always), the answer is no before the entry's
// reversal is read: an armed entry's reversal is parsed back from its journaled JSON on first use (reversal-entry.ts),
// which cost every approved purchase a JSON.parse. With a record of its transaction kept, it is still read and retires it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IsoMessage } from '@iso8583/codec';
import { pino } from 'pino';
import { OvertakenKept } from '../src/journal-overtaken.js';
import { ArmedEntry } from '../src/reversal-entry.js';

const logger = pino({ enabled: false });

function reversal(stan: string): IsoMessage {
  return { '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': stan, '41': 'TERM0001', '90': `0200${stan}` };
}

/** An armed entry as the file journal makes it (its reversal as journaled text), and whether its reversal was parsed. */
function armed(id: string, stan: string): { entry: ArmedEntry; parsed: () => boolean } {
  const entry = new ArmedEntry(id, Date.now(), JSON.stringify(reversal(stan)), undefined);
  return { entry, parsed: () => (entry as unknown as { message: IsoMessage | undefined }).message !== undefined };
}

test('an approval in time with no record kept or noted does not parse its reversal back', () => {
  const kept = new OvertakenKept(logger);
  const { entry, parsed } = armed('p1', '000001');
  kept.retiring(entry);
  assert.equal(parsed(), false, 'the reversal was parsed back from its JSON');
  assert.doesNotMatch(kept.doneLine('p1', 'not-needed', Date.now()), /"retires"/);
});

test('with a record of its transaction kept, an approval in time still retires it', () => {
  const kept = new OvertakenKept(logger);
  const add = JSON.stringify({ op: 'add', id: 'r1', reversal: reversal('000002'), at: 1 });
  kept.note('r1', { rc: '25', since: Date.now() }, add);
  kept.doneLine('r1', 'reversed', Date.now());
  kept.committed(['r1'], [undefined], new Map([['r1', add]]));
  assert.equal(kept.size, 1);
  const { entry, parsed } = armed('p2', '000002');
  kept.retiring(entry);
  assert.equal(parsed(), true);
  assert.match(kept.doneLine('p2', 'not-needed', Date.now()), /"retires":true/);
});
