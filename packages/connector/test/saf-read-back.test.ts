// A SAF entry read back from the journal at a start goes as a repeat from its first attempt there (0221, 0401): a
// previous process may have sent it without its attempt on disk (a file journal that cannot write sends it anyway), so
// a message that may have reached the host is only ever followed by repeats, never by its original MTI again (a host
// could post an advice twice). Real files (the attempt record's write fails: helpers/write-faults.ts), real socket peers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
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

test('an answered reversal whose done the journal refused, its attempts spent (maxAttempts 1): the log says the next start gives it up unsent, and that start says the host may have had it', async (t) => {
  const dir = tempDir(t, 'saf-read-back');
  const faults = await writeFaults(t, dir);
  for (let i = 0; i < 10; i++) faults.rules.push({ marker: '"op":"done"', fail: true });
  const first = capturedLogger('info');
  const options = { saf: { initialDelay: 0, retryInterval: 60_000, maxAttempts: 1 }, transactionLog: false as const };
  const { connector } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journal: new FileJournal(dir, { logger: first.logger }) },
    logger: first.logger,
    ...options,
  });
  await connector.connect();
  const answered = safEvent(connector, 'answered');
  await connector.request({ ...advice('009802', '0400'), '2': '4761739001010010' }, { saf: true });
  await answered;
  await within(connector.close(), 10_000, 'the first connector to close');
  const inMemory = first.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('the end of a SAF entry cannot be journaled'));
  assert.match(String(inMemory?.msg), /the next start finds its attempts spent \(saf\.maxAttempts\) and gives it up unsent/);

  faults.rules.length = 0;
  const next = capturedLogger('info');
  const { peer: bank, connector: again } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journal: new FileJournal(dir, { logger: next.logger }) },
    logger: next.logger,
    ...options,
  });
  const abandoned = safEvent(again, 'abandoned');
  await again.connect();
  assert.equal((await abandoned).mti, '0401');
  assert.deepEqual(bank.received, [], 'nothing sent');
  const line = next.lines.find((l) => l.code === 'ISO8583_WARN_SAF_ABANDONED');
  assert.match(String(line?.msg), /attempts were spent by an earlier run.*the host may have had it/);
  assert.doesNotMatch(JSON.stringify([...first.lines, ...next.lines]), /4761739001010010/);
});
