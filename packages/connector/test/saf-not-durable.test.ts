// Which waiting SAF entries are held in memory only (`safNotDurable`: the next start does not know of them, and the
// operator reverses them by hand): exactly those of a journal whose records are lost (its file removed or replaced,
// `halted().recordsLost`), whenever their attempts were made. A journal that stops but keeps its records (its lock
// removed) counts none: the next start sends its entries, and a hand reversal would double the money. Real files,
// real socket peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitUntil, within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import type { Connector, SafEvent } from '../src/index.js';
import { answer } from './peer.js';
import { advice, safEvent } from './helpers/reversals.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

const SENT_ANYWAY = 'a SAF attempt cannot be journaled: sent anyway';

/** Resolves once `n` more SAF attempts of `connector` have left. */
function attempts(connector: Connector, n: number): Promise<SafEvent[]> {
  const sent: SafEvent[] = [];
  return new Promise((resolve) =>
    connector.on('saf', (e) => {
      if (e.stage !== 'sent' || sent.length === n) return;
      sent.push(e);
      if (sent.length === n) resolve(sent);
    }),
  );
}

/** A connector whose host never answers, with an advice stored in a file journal in a new folder. */
async function adviceUnanswered(t: AfterHook, stan: string, retryInterval: number) {
  const dir = tempDir(t, 'saf-not-durable');
  const { logger, lines } = capturedLogger('info');
  const journal = new FileJournal(dir, { logger });
  const { connector } = await peerAndConnector(t, () => undefined, {
    reversal: { enabled: true, journal },
    logger,
    requestTimeout: 200,
    saf: { initialDelay: 0, retryInterval },
    transactionLog: false,
  });
  await connector.connect();
  const first = attempts(connector, 1);
  await connector.request(advice(stan), { saf: true });
  await within(first, 10_000, 'the first attempt');
  return { dir, journal, lines, connector };
}

test('journal lock removed (its records kept): attempts sent unjournaled are not counted as in memory only, logged once, and the next start sends the entry', async (t) => {
  const { dir, journal, lines, connector } = await adviceUnanswered(t, '009601', 150);
  const more = attempts(connector, 3);
  rmSync(join(dir, 'reversals.lock'), { force: true });
  await within(more, 10_000, 'three attempts after the lock went');
  assert.equal(journal.halted()?.recordsLost, false);
  assert.equal(connector.stats().safDepth, 1);
  assert.equal(connector.stats().safNotDurable, 0, 'its records are on disk: the next start sends it');

  const logged = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith(SENT_ANYWAY));
  assert.equal(logged.length, 1, 'logged once for the entry, not on every attempt');
  assert.equal(logged[0]?.level, 50);
  assert.equal(logged[0]?.journal, 'stopped');
  assert.equal(logged[0]?.stan, '009601');
  assert.match(String(logged[0]?.msg), /the next start sends it again/);
  await connector.close();
  assert.equal(connector.stats().safNotDurable, 0, 'what the stop reports');

  // What the figures promised: the next start sends it (a repeat: its first attempt was journaled).
  const { peer, connector: next } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journal: new FileJournal(dir) },
    saf: { initialDelay: 0, retryInterval: 60_000 },
    transactionLog: false,
  });
  const answered = safEvent(next, 'answered');
  await next.connect();
  assert.equal((await answered).stan, '009601');
  assert.deepEqual(peer.received.map((r) => `${String(r.message['0'])}/${String(r.message['11'])}`), ['0221/009601']);
});

test('journal folder removed while an entry waits for its retry: counted as in memory only once the journal stops, and after the close', async (t) => {
  const { dir, journal, lines, connector } = await adviceUnanswered(t, '009602', 60_000);
  await waitUntil(() => lines.some((l) => l.msg === 'SAF entry not answered: will repeat'), { what: 'the first attempt to time out' });
  rmSync(dir, { recursive: true, force: true });
  // The next record stops the journal: its file is gone.
  await assert.rejects(connector.request(advice('009603'), { saf: true }), { code: 'ISO8583_ERR_CONNECTOR_JOURNAL' });
  assert.equal(journal.halted()?.recordsLost, true);
  assert.equal(connector.stats().safDepth, 1);
  assert.equal(connector.stats().safNotDurable, 1, 'no attempt since the removal, yet the next start does not know of it');
  await connector.close();
  assert.equal(connector.stats().safNotDurable, 1, 'what the stop reports');
});

test('journal folder removed while idle, nothing written since: the close finds it, and the entry counts as in memory only', async (t) => {
  const { dir, journal, lines, connector } = await adviceUnanswered(t, '009604', 60_000);
  await waitUntil(() => lines.some((l) => l.msg === 'SAF entry not answered: will repeat'), { what: 'the first attempt to time out' });
  rmSync(dir, { recursive: true, force: true });
  await connector.close();
  assert.equal(journal.halted()?.recordsLost, true);
  assert.equal(connector.stats().safDepth, 1);
  assert.equal(connector.stats().safNotDurable, 1, 'what the stop reports');
});
