// The file journal's folder removed while a purchase is at the host: the approval cannot be recorded, so the purchase
// is reversed; the reversal's attempts cannot be journaled either. A reversal held back until the journal heals would
// never leave (a removed folder never heals): it is sent anyway, unjournaled, logged at error, and counted as held in
// memory only (`safNotDurable`) until it ends. Real files, a real socket peer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { waitUntil, within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { SafEvent } from '../src/index.js';
import { purchase } from './peer.js';
import { heldAtHost } from './helpers/held-at-host.js';
import { capturedLogger, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

const SENT_ANYWAY = 'a SAF attempt cannot be journaled: sent anyway; held in memory only: the next start does not know of it';

/** A connector whose host holds the purchase until `approve`, and answers reversals only when `answerReversals`. */
async function purchaseAtTheHost(t: AfterHook, answerReversals: boolean) {
  const dir = tempDir(t, 'journal-removed-reversal');
  const { logger, lines } = capturedLogger('warn');
  const journal = new FileJournal(dir, { logger });
  const { peer, connector, atHost, answerHeld } = await heldAtHost(
    t,
    (m) => m['0'] === '0200',
    { reversal: { enabled: true, journal }, logger, saf: { retryInterval: 60_000 } },
    (m) => answerReversals || !String(m['0']).startsWith('04'),
  );
  const saf = (stage: SafEvent['stage']): Promise<SafEvent> => new Promise((resolve) => connector.on('saf', (e) => e.stage === stage && resolve(e)));
  const outcome = connector.request(purchase('009101'));
  await atHost;
  rmSync(dir, { recursive: true, force: true });
  const sent = saf('sent');
  answerHeld();
  // The approval could not be recorded: the caller sees the journal's failure, consistent with the reversal.
  await assert.rejects(outcome, { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  return { peer, connector, lines, sent };
}

test('journal folder removed while a purchase is at the host: its reversal, which cannot be journaled, is sent anyway (once; answered) and logged at error', async (t) => {
  const { peer, connector, lines } = await purchaseAtTheHost(t, true);
  // Answered: its end cannot be marked done in the journal either, and ends in memory (journal-removed-saf-end.test.ts).
  await waitUntil(() => lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('the end of a SAF entry cannot be journaled')), {
    timeoutMs: 10_000,
    what: 'the reversal to be answered',
  });
  assert.deepEqual(peer.received.map((r) => `${String(r.message['0'])}/${String(r.message['11'])}`), ['0200/009101', '0400/009101']);
  const line = lines.find((l) => l.msg === SENT_ANYWAY);
  assert.equal(line?.level, 50);
  assert.equal(line?.code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.equal(line?.stan, '009101');
  assert.equal(line?.journal, 'gone');
  assert.equal(connector.stats().safNotDurable, 0, 'ended: nothing held any more');
  assert.ok(!lines.some((l) => typeof l.msg === 'string' && l.msg.includes('not sent, will try again')));
});

test('journal folder removed: a reversal sent anyway and not answered yet is counted as held in memory only (safNotDurable)', async (t) => {
  const { connector, sent } = await purchaseAtTheHost(t, false);
  await within(sent, 10_000, 'the reversal to be sent');
  assert.equal(connector.stats().safDepth, 1);
  assert.equal(connector.stats().safNotDurable, 1);
  await connector.destroy();
  assert.equal(connector.stats().safNotDurable, 1, 'what the stop reports');
});
