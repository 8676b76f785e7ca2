// A SAF entry read back from the journal at a start goes as a repeat from its first attempt there (0221, 0401): a
// previous process may have sent it without its attempt on disk (a file journal that cannot write sends it anyway), so
// a message that may have reached the host is only ever followed by repeats, never by its original MTI again (a host
// could post an advice twice). Real files (the attempt record's write fails: helpers/write-faults.ts), real socket peers.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
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

/**
 * The answered reversal whose `done` the journal refused: the first run's connector, its log lines and the folder.
 * `restartSaf`, when given, replaces `saf` for the next start.
 */
async function answeredDoneRefused(t: TestContext, saf: { maxAttempts?: number; expireAfter?: number }, restartSaf = saf) {
  const dir = tempDir(t, 'saf-read-back');
  const faults = await writeFaults(t, dir);
  for (let i = 0; i < 10; i++) faults.rules.push({ marker: '"op":"done"', fail: true });
  const first = capturedLogger('info');
  const options = { saf: { initialDelay: 0, retryInterval: 60_000, ...saf }, transactionLog: false as const };
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
  faults.rules.length = 0;
  const inMemory = first.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('the end of a SAF entry cannot be journaled'));
  /** The next start, on the same folder, to a host that answers. */
  const restart = async () => {
    const next = capturedLogger('info');
    const { peer: bank, connector: again } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
      reversal: { enabled: true, journal: new FileJournal(dir, { logger: next.logger }) },
      logger: next.logger,
      ...options,
      saf: { ...options.saf, ...restartSaf },
    });
    return { bank, again, lines: next.lines };
  };
  return { said: String(inMemory?.msg), stored, firstLines: first.lines, restart };
}

test('an answered reversal whose done the journal refused, its attempts spent (maxAttempts 1): the next start sends it once more as a repeat and records its end', async (t) => {
  // The start cannot tell this case from a crash before its last attempt left: giving it up could leave money unreversed.
  const run = await answeredDoneRefused(t, { maxAttempts: 1 });
  assert.match(run.said, /the next start sends it again \(the host answers it as a duplicate\)/);
  const { bank, again, lines } = await run.restart();
  const events: string[] = [];
  again.on('saf', (e) => events.push(`${e.stage}:${e.mti}:${e.attempt}`));
  const answered = safEvent(again, 'answered');
  await again.connect();
  assert.equal((await answered).mti, '0401');
  assert.deepEqual(bank.received.map((r) => String(r.message['0'])), ['0401'], 'one repeat, past maxAttempts');
  assert.deepEqual(events, ['queued:0401:1', 'sent:0401:2', 'answered:0401:2']);
  assert.equal(lines.find((l) => l.code === 'ISO8583_WARN_SAF_ABANDONED'), undefined, 'not given up');
  assert.doesNotMatch(JSON.stringify([...run.firstLines, ...lines]), /4761739001010010/);
});

test('an answered reversal whose done the journal refused, its expireAfter past by the next start: the log says so, and that start, giving it up unsent, says the host may have had it', async (t) => {
  // The first run's expireAfter is an hour: its one attempt never races the expiry (a journal write of 1.7 s on a busy
  // disk expired it there, never answered). The next start's is 1500 ms, past by the time it comes.
  const run = await answeredDoneRefused(t, { expireAfter: 3_600_000 }, { expireAfter: 1500 });
  assert.match(run.said, /sends it again \(the host answers it as a duplicate\), unless saf\.expireAfter has passed by then \(expired unsent/);
  // The next start comes once the entry's age is past expireAfter (a deadline).
  await waitUntil(() => Date.now() > run.stored + 1600, { timeoutMs: 10_000, what: 'the entry to be older than its expireAfter' });
  const { bank, again, lines } = await run.restart();
  const ended = safEvent(again, 'expired');
  await again.connect();
  assert.equal((await ended).mti, '0401');
  assert.deepEqual(bank.received, [], 'nothing sent');
  assert.match(String(lines.find((l) => l.code === 'ISO8583_WARN_SAF_EXPIRED')?.msg), /expired: given up unsent; an earlier run attempted it and stopped before .*the host may have had it/);
  assert.doesNotMatch(JSON.stringify([...run.firstLines, ...lines]), /4761739001010010/);
});

test('an abandoned reversal whose done the journal refused (maxAttempts 1, the host silent): the log says the next start sends it once more, and it does, as a repeat', async (t) => {
  const dir = tempDir(t, 'saf-read-back');
  const faults = await writeFaults(t, dir);
  for (let i = 0; i < 10; i++) faults.rules.push({ marker: '"op":"done"', fail: true });
  const first = capturedLogger('info');
  const options = { saf: { initialDelay: 0, retryInterval: 60_000, maxAttempts: 1 }, requestTimeout: 200, transactionLog: false as const };
  const { connector } = await peerAndConnector(t, () => undefined, {
    reversal: { enabled: true, journal: new FileJournal(dir, { logger: first.logger }) },
    logger: first.logger,
    ...options,
  });
  await connector.connect();
  const abandoned = safEvent(connector, 'abandoned');
  await connector.request({ ...advice('009803', '0400'), '2': '4761739001010010' }, { saf: true });
  await abandoned;
  await within(connector.close(), 10_000, 'the first connector to close');
  faults.rules.length = 0;
  const said = first.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('the end of a SAF entry cannot be journaled'));
  assert.match(String(said?.msg), /the next start sends it once more, as a repeat/);

  const next = capturedLogger('info');
  const { peer: bank, connector: again } = await peerAndConnector(t, (r, p) => p.send(r.socket, answer(r.message)), {
    reversal: { enabled: true, journal: new FileJournal(dir, { logger: next.logger }) },
    logger: next.logger,
    ...options,
  });
  const events: string[] = [];
  again.on('saf', (e) => events.push(`${e.stage}:${e.mti}:${e.attempt}`));
  const answered = safEvent(again, 'answered');
  await again.connect();
  await answered;
  assert.deepEqual(bank.received.map((r) => String(r.message['0'])), ['0401']);
  assert.deepEqual(events, ['queued:0401:1', 'sent:0401:2', 'answered:0401:2']);
  assert.doesNotMatch(JSON.stringify([...first.lines, ...next.lines]), /4761739001010010/);
});

test('a reversal read back with its attempts spent gets one repeat per start, never more: the host silent, it is abandoned after it, counted once, and the start after has nothing left', async (t) => {
  const dir = tempDir(t, 'saf-read-back');
  const faults = await writeFaults(t, dir);
  for (let i = 0; i < 10; i++) faults.rules.push({ marker: '"op":"done"', fail: true });
  const options = { saf: { initialDelay: 0, retryInterval: 60_000, maxAttempts: 1 }, requestTimeout: 200, transactionLog: false as const };
  /** A connector on the journal in `dir` whose host never answers, with what it sends and the SAF events it emits. */
  const silent = async () => {
    const log = capturedLogger('info');
    const { peer, connector } = await peerAndConnector(t, () => undefined, { reversal: { enabled: true, journal: new FileJournal(dir, { logger: log.logger }) }, logger: log.logger, ...options });
    const events: string[] = [];
    connector.on('saf', (e) => events.push(`${e.stage}:${e.mti}:${e.attempt}`));
    return { peer, connector, events, log };
  };
  const first = await silent();
  await first.connector.connect();
  const abandonedFirst = safEvent(first.connector, 'abandoned');
  await first.connector.request({ ...advice('009804', '0400'), '2': '4761739001010010' }, { saf: true });
  await abandonedFirst;
  await within(first.connector.close(), 10_000, 'the first connector to close');
  faults.rules.length = 0;

  // Read back with its one attempt spent: one repeat, unanswered, then given up (its end recorded this time).
  const second = await silent();
  const abandoned = safEvent(second.connector, 'abandoned');
  await second.connector.connect();
  await abandoned;
  assert.deepEqual(second.peer.received.map((r) => String(r.message['0'])), ['0401'], 'one repeat past maxAttempts, not a loop');
  assert.deepEqual(second.events, ['queued:0401:1', 'sent:0401:2', 'abandoned:0401:2']);
  assert.equal(second.connector.stats().safAbandoned, 1, 'counted once');
  assert.equal(second.connector.stats().safDepth, 0);
  assert.match(String(second.log.lines.find((l) => l.code === 'ISO8583_WARN_SAF_ABANDONED')?.msg), /abandoned after its last attempt/);
  await within(second.connector.close(), 10_000, 'the second connector to close');

  const third = await silent();
  await third.connector.connect();
  assert.equal(third.connector.stats().safDepth, 0, 'its end is on disk: the next start sends nothing');
  assert.deepEqual(third.events, []);
  assert.doesNotMatch(JSON.stringify([...first.log.lines, ...second.log.lines, ...third.log.lines]), /4761739001010010/);
});
