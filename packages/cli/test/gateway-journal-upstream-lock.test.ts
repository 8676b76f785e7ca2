// A gateway's journal folder records its upstream (upstream.json), and a start owing entries to another upstream is
// refused before any journal opens, then checked again under the journal's lock. The first upstream's connector is
// made by the HTTP app's connector plugin, whose onReady connected (and resumed the journal's entries) before that
// second check ran: a gateway at bank B that took over the folder of a gateway at bank A (stopped, its lock left
// behind, right after B's first check, with a reversal owed to A) sent A's reversal, card number and all, to B, and
// only then refused. Now the check runs under the lock before any connection opens (the connector's `beforeConnect`):
// B is never reached. Real files, real sockets on 127.0.0.1, the gateway in this process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { owedInJournalSync } from '@iso8583/connector';
import { countingListener, goneProcessId } from '@iso8583/test-support';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { startGateway } from '../src/gateway/gateway.js';
import { folder, journalWithReversal } from './helpers/owed-journal.js';

test('a gateway whose journal comes to owe another upstream between its first check and its lock never reaches its own bank', async (t) => {
  const root = folder(t, 'gateway-upstream-lock');
  const journalDir = join(root, 'journal');
  const owed = join(root, 'owed');
  const bankA = '127.0.0.1:9';
  const bankB = await countingListener(t);
  // The folder as gateway A leaves it while running: nothing owed, its marker, its lock (A's process, now gone).
  await journalWithReversal(journalDir, true);
  writeFileSync(join(journalDir, 'upstream.json'), `${JSON.stringify({ upstream: bankA })}\n`);
  const gone = goneProcessId();
  writeFileSync(join(journalDir, 'reversals.lock'), `${gone}\n`);
  // What A's journal held when it stopped: one reversal owed to A.
  await journalWithReversal(owed);
  assert.equal(owedInJournalSync(journalDir).owed, 0);
  // A stops, owing that reversal, once B's first check is done: as B takes A's lock over (its warning), A's last
  // journal file is in place.
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = chunk.toString('utf8');
      lines.push(line);
      if (line.includes('ISO8583_WARN_JOURNAL_STALE_LOCK')) copyFileSync(join(owed, 'reversals.jsonl'), join(journalDir, 'reversals.jsonl'));
      done();
    },
  });
  const logger = pino({ level: 'info' }, stream);
  const { config } = parseGatewayArgs([
    '--upstream', `127.0.0.1:${bankB.port}`, '--listen', '0', '--bind', '127.0.0.1', '--http', '0', '--no-transaction-log',
    '--reversal-journal', journalDir,
  ]);
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  t.after(async () => gateway?.abort());
  const refused = await startGateway(config, { logger }).then(
    (g) => {
      gateway = g;
      return undefined;
    },
    (err: unknown) => err as { code?: string; message?: string },
  );
  assert.ok(lines.some((l) => l.includes('ISO8583_WARN_JOURNAL_STALE_LOCK')), `A's lock was taken over: ${lines.join('')}`);
  assert.equal(refused?.code, 'ISO8583_ERR_GATEWAY_CONFIG', `refused: ${String(refused?.message)}`);
  assert.match(String(refused?.message), new RegExp(`^--upstream: the journal in ${journalDir} holds 1 entries .* for the upstream ${bankA} \\(its upstream\\.json\\), not 127\\.0\\.0\\.1:${bankB.port}`));
  assert.equal(await bankB.accepted(), 0, `bank B was never reached (it got ${bankB.received().length} bytes: ${bankB.received().toString('latin1').slice(2, 6)})`);
  assert.equal(bankB.received().length, 0, 'nothing was sent to bank B');
  assert.equal(owedInJournalSync(journalDir).owed, 1, 'the reversal is still owed to A');
});
