// A reversal answered `25` (it overtook its original) and kept at close (the file journal: the record of its end) keeps
// the time of that first `25`: a process that restarts often (stored again as a repeat, sent, answered 25 again,
// closed) keeps it again only while its original's late approval may still come (10 min from the first 25), never once
// more per restart. With a store that keeps no such end, the adds at close go together (the journal batches them);
// destroy() with a store that is destroyed logs each one it cannot keep.
// Real sockets, real journal files; gates, no sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDialect } from '@iso8583/codec';
import { eventWithin, waitUntil } from '@iso8583/test-support';
import { FileJournal, JOURNAL_FILE } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { capturedLogger, connectorFor, peerAndConnector, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { ObjectStore } from './helpers/object-store.js';
import { doneLine } from '../src/journal-record.js';
import type { JournalOutcome } from '../src/journal.js';
import { OVERTAKEN_FOR_MS, OvertakenReversals } from '../src/reversal-overtaken.js';
import { ReversalFollowUp } from '../src/reversal-follow.js';
import type { ReversalsAgain } from '../src/reversal-again.js';

const ELEVEN_MINUTES = 11 * 60_000;

/** A purchase the host never answers, its 0400 answered 25 by `connector`'s host: resolves once that 25 came. */
async function overtaken(connector: Connector, stan: string): Promise<void> {
  const answered = eventWithin(10_000, 'the reversal was not answered within 10 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0400' && e.stan === stan) resolve(e.responseCode);
    }),
  );
  assert.equal((await failure(connector.request(purchase(stan)))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal(await answered, '25');
}

/** The `done` records of the journal in `dir` that keep a code that undid nothing (`rc`, `since`), as read from its file. */
function undidNothingRecords(dir: string): { id: string; at: number; rc: string; since: number }[] {
  const lines = readFileSync(join(dir, JOURNAL_FILE), 'utf8').split('\n').filter((l) => l.startsWith('{"op":"done"'));
  const records = lines.map((l) => JSON.parse(l) as { id: string; at: number; rc?: string; since?: number });
  return records.flatMap((r) => (r.rc === undefined || r.since === undefined ? [] : [{ id: r.id, at: r.at, rc: r.rc, since: r.since }]));
}

/**
 * Sets `since` (the first 25) of every such `done` record of the journal in `dir` to `since`, and its `at` to a second
 * after (as if the process last wrote then: a crash loop since), sealed again as the journal writes it.
 */
function backdateEnds(dir: string, since: number): number {
  const path = join(dir, JOURNAL_FILE);
  let changed = 0;
  const lines = readFileSync(path, 'utf8').split('\n').map((line) => {
    if (!line.startsWith('{"op":"done"')) return line;
    const record = JSON.parse(line) as { id: string; outcome: JournalOutcome; rc?: string };
    if (record.rc === undefined) return line;
    changed += 1;
    return doneLine(record.id, record.outcome, since + 1000, { rc: record.rc, since });
  });
  writeFileSync(path, lines.join('\n'));
  return changed;
}

test('a reversal answered 25, kept at close, answered 25 again after a restart is not kept again once 10 min passed since the first 25', async (t) => {
  const dir = tempDir(t, 'overtaken-restart');
  const reversal = { enabled: true, journalDir: dir, retryInterval: 60_000 };
  const first = capturedLogger('info');
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') return; // the host is still working on it; it never approves it here
      p.send(r.socket, answer(r.message, { '39': '25' })); // the 0400, and the 0401 of every start: original not found
    },
    { requestTimeout: 300, logger: first.logger, reversal },
  );
  await connector.connect();
  const before = Date.now();
  await overtaken(connector, '072101');
  const answeredAt = Date.now();
  await connector.close();
  assert.equal(first.lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_KEPT').length, 1, 'kept at the first stop');
  // The journal keeps the end with the time of its first 25, not a later one.
  const ends = undidNothingRecords(dir);
  assert.deepEqual(ends.map((e) => e.rc), ['25']);
  assert.ok(ends[0].since >= before && ends[0].since <= answeredAt, `the end's since (${ends[0].since}) is its first 25's time, not the stop's`);
  // As if that first 25 came 11 minutes ago, and the process last wrote a second after it (it restarted often since).
  assert.equal(backdateEnds(dir, Date.now() - ELEVEN_MINUTES), 1);

  const second = capturedLogger('info');
  const next = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 300, logger: second.logger, reversal });
  await next.connect();
  await waitUntil(() => peer.received.some((r) => r.message['0'] === '0401'), { what: 'the repeat sent by the next start' });
  await waitUntil(() => next.stats().safDepth === 0, { what: 'the repeat answered 25 and ended' });
  await next.close();
  assert.equal(second.lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_REPEATED').length, 1, 'stored again at the start');
  assert.deepEqual(
    second.lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_KEPT'),
    [],
    'past 10 min since the first 25: not kept again (it was at every stop of a crash loop)',
  );
  assert.equal(next.stats().safDepth, 0, 'nothing left for a third start');
  assert.deepEqual(undidNothingRecords(dir), [], 'nor in the journal');
});

/** A file journal that can be destroyed (as the PostgreSQL store): what `destroy()` cuts instead of closing. */
class Destroyable extends ObjectStore {
  destroy(): Promise<void> {
    return this.journal.close();
  }
}

test('destroy() with a store it destroys logs every reversal answered 25 it cannot keep (LOST, cause CLOSED), no card data', async (t) => {
  const { logger, lines, text } = capturedLogger('info');
  const store = new Destroyable(new FileJournal(tempDir(t, 'overtaken-destroy')));
  const { connector } = await peerAndConnector(
    t,
    (r, p) => {
      if (r.message['0'] === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
    },
    { requestTimeout: 300, logger, reversal: { enabled: true, journal: store, retryInterval: 60_000 } },
  );
  await connector.connect();
  await overtaken(connector, '072201');
  await connector.destroy();
  const lost = lines.filter((l) => l.code === 'ISO8583_WARN_SAF_OVERTAKEN_LOST');
  assert.deepEqual(
    lost.map((l) => [l.level, l.mti, l.stan, l.terminal, l.responseCode, l.cause]),
    [[50, '0401', '072201', 'TERM0001', '25', 'ISO8583_ERR_CONNECTOR_CLOSED']],
  );
  assert.ok(!text().includes('4111111111111111'), 'no PAN in the log');
});

test('keepAtStop: the adds go together (one batch), each logged KEPT or LOST by its own result', async () => {
  const dialect = getDialect('iso87ascii');
  const overtakenNow = new OvertakenReversals(dialect);
  for (const stan of ['000051', '000052', '000053']) {
    overtakenNow.answered({ '0': '0400', '11': stan, '41': 'TERM0001' }, { '0': '0410', '39': '25' });
  }
  const { logger, lines } = capturedLogger('info');
  const follow = new ReversalFollowUp(overtakenNow, {} as unknown as ReversalsAgain, {}, { logger });
  const calls: { stan: unknown; at: number; settle: (ok: boolean) => void }[] = [];
  const kept = follow.keepAtStop(
    (message, at) => new Promise<boolean>((resolve, reject) => calls.push({ stan: message['11'], at, settle: (ok) => (ok ? resolve(true) : reject(Object.assign(new Error('down'), { code: 'ISO8583_ERR_CONNECTOR_STORE' }))) })),
  );
  // All asked for before any is done: one after another, the second waited for the first's sync (or failure).
  assert.deepEqual(calls.map((c) => c.stan), ['000051', '000052', '000053']);
  calls[0].settle(true);
  calls[1].settle(false);
  calls[2].settle(true);
  assert.equal(await kept, 2);
  assert.deepEqual(
    lines.filter((l) => String(l.code).startsWith('ISO8583_WARN_SAF_OVERTAKEN_')).map((l) => [l.code, l.stan, l.cause]),
    [
      ['ISO8583_WARN_SAF_OVERTAKEN_KEPT', '000051', undefined],
      ['ISO8583_WARN_SAF_OVERTAKEN_LOST', '000052', 'ISO8583_ERR_CONNECTOR_STORE'],
      ['ISO8583_WARN_SAF_OVERTAKEN_KEPT', '000053', undefined],
    ],
  );
});

test('OvertakenReversals: a reversal answered 25 again is remembered from its first 25 (`since`), which takeAll hands on', () => {
  const dialect = getDialect('iso87ascii');
  const o = new OvertakenReversals(dialect);
  const first = Date.now() - 60_000;
  o.answered({ '0': '0401', '11': '000061', '41': 'TERM0001' }, { '0': '0410', '39': '25' }, true, first);
  assert.deepEqual(o.takeAll().map((r) => [r.reversal['11'], r.at]), [['000061', first]]);
  o.answered({ '0': '0401', '11': '000062', '41': 'TERM0001' }, { '0': '0410', '39': '25' }, true, Date.now() - OVERTAKEN_FOR_MS - 1000);
  assert.deepEqual(o.takeAll(), [], 'past its time since the first 25');
});
