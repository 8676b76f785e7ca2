// A SAF entry read back from the journal at a start goes as a repeat from its first attempt there (0221, 0401): a
// previous process may have sent it without its attempt on disk (a file journal that cannot write sends it anyway), so
// a message that may have reached the host is only ever followed by repeats, never by its original MTI again (a host
// could post an advice twice). Real files (the attempt record's write fails: helpers/write-faults.ts), real socket peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitUntil, within } from '@iso8583/test-support';
import { FileJournal } from '../src/index.js';
import { answer } from './peer.js';
import { advice, journalLines, safEvent } from './helpers/reversals.js';
import { capturedLogger, peerAndConnector, tempDir } from './helpers/setup.js';
import { writeFaults } from './helpers/write-faults.js';

test('an advice sent while its attempt could not be journaled goes as a repeat (0221) at the next start, never as 0220 again', async (t) => {
  const dir = tempDir(t, 'saf-read-back');
  const faults = await writeFaults(t, dir);
  for (let i = 0; i < 10; i++) faults.rules.push({ marker: '"op":"attempt"', fail: true });
  const { logger, lines } = capturedLogger('info');
  // The first host never answers: the advice stays open, and its one attempt left with nothing on disk.
  const { peer, connector: first } = await peerAndConnector(t, () => undefined, {
    reversal: { enabled: true, journal: new FileJournal(dir, { logger }) },
    logger,
    requestTimeout: 200,
    saf: { initialDelay: 0, retryInterval: 60_000 },
    transactionLog: false,
  });
  await first.connect();
  const sent = safEvent(first, 'sent');
  await first.request({ ...advice('009801'), '2': '4761739001010010' }, { saf: true });
  assert.deepEqual([(await sent).mti, (await sent).attempt], ['0220', 1]);
  await within(first.close(), 10_000, 'the first connector to close');
  assert.ok(lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('a SAF attempt cannot be journaled: sent anyway')));
  assert.deepEqual(journalLines(dir).filter((l) => l.op === 'attempt'), [], 'no attempt on disk');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0220']);

  // The next start reads the entry back with no attempt recorded: it goes as a repeat all the same.
  faults.rules.length = 0;
  const { peer: bank, connector: next } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journal: new FileJournal(dir) },
    saf: { initialDelay: 0, retryInterval: 60_000 },
    transactionLog: false,
  });
  const events: string[] = [];
  next.on('saf', (e) => events.push(`${e.stage}:${e.mti}:${e.attempt}`));
  const answered = safEvent(next, 'answered');
  await next.connect();
  await answered;
  assert.deepEqual(bank.received.map((r) => `${String(r.message['0'])}/${String(r.message['11'])}`), ['0221/009801']);
  assert.deepEqual(events, ['queued:0220:0', 'sent:0221:1', 'answered:0221:1'], 'attempts counted as recorded, each a repeat');
});

/** The limit a start finds past, its option, what the first run's log says of it, and what the start says. */
const LIMITS = [
  { name: 'its attempts spent (maxAttempts 1)', saf: { maxAttempts: 1 }, stage: 'abandoned', said: /the next start finds its attempts spent \(saf\.maxAttempts\) and gives it up unsent/, start: /abandoned: its attempts were spent by an earlier run, which stopped before .*the host may have had it/ },
  { name: 'its expireAfter past by the next start', saf: { expireAfter: 1500 }, stage: 'expired', said: /sends it again \(the host answers it as a duplicate\), unless saf\.expireAfter has passed by then \(expired unsent/, start: /expired: given up unsent; an earlier run attempted it and stopped before .*the host may have had it/ },
] as const;

for (const limit of LIMITS) {
  test(`an answered reversal whose done the journal refused, ${limit.name}: the log says what the next start does, and that start, giving it up unsent, says the host may have had it`, async (t) => {
    const dir = tempDir(t, 'saf-read-back');
    const faults = await writeFaults(t, dir);
    for (let i = 0; i < 10; i++) faults.rules.push({ marker: '"op":"done"', fail: true });
    const first = capturedLogger('info');
    const options = { saf: { initialDelay: 0, retryInterval: 60_000, ...limit.saf }, transactionLog: false as const };
    const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
      reversal: { enabled: true, journal: new FileJournal(dir, { logger: first.logger }) },
      logger: first.logger,
      ...options,
    });
    await connector.connect();
    const answered = safEvent(connector, 'answered');
    const stored = Date.now();
    await connector.request({ ...advice('009802', '0400'), '2': '4761739001010010' }, { saf: true });
    await answered;
    await within(connector.close(), 10_000, 'the first connector to close');
    const inMemory = first.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('the end of a SAF entry cannot be journaled'));
    assert.match(String(inMemory?.msg), limit.said);

    faults.rules.length = 0;
    // The next start comes once the entry's age is past expireAfter (a deadline, for the expiry case).
    await waitUntil(() => Date.now() > stored + 1600, { timeoutMs: 10_000, what: 'the entry to be older than its expireAfter' });
    const next = capturedLogger('info');
    const { peer: bank, connector: again } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
      reversal: { enabled: true, journal: new FileJournal(dir, { logger: next.logger }) },
      logger: next.logger,
      ...options,
    });
    const ended = safEvent(again, limit.stage);
    await again.connect();
    assert.equal((await ended).mti, '0401');
    assert.deepEqual(bank.received, [], 'nothing sent');
    const code = limit.stage === 'expired' ? 'ISO8583_WARN_SAF_EXPIRED' : 'ISO8583_WARN_SAF_ABANDONED';
    assert.match(String(next.lines.find((l) => l.code === code)?.msg), limit.start);
    assert.doesNotMatch(JSON.stringify([...first.lines, ...next.lines]), /4761739001010010/);
  });
}
