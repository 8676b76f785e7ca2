// A start with reversal and SAF off whose journal folder (still configured) holds reversals an earlier run owes is
// refused, naming reversal.enabled and the count: nothing would send them, and nothing said so. A folder with nothing
// unsent, or none at all, starts as before (and none is made). The journal is only read: nothing is written there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addLine, doneLine } from '../src/journal-record.js';
import { answer, purchase } from './peer.js';
import { peerFor, connectorFor, tempDir } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { safEvent } from './helpers/reversals.js';

test('reversal off over a journal that owes a reversal: the start is refused; with reversal on again it is sent', async (t) => {
  const dir = tempDir(t, 'unsent');
  let answerReversals = false;
  const peer = await peerFor(t, (r, p) => {
    if (String(r.message['0']).startsWith('040') && answerReversals) p.send(r.socket, answer(r.message));
  });
  const first = connectorFor(t, { host: '127.0.0.1', port: peer.port, requestTimeout: 300, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } });
  await first.connect();
  const sent = safEvent(first, 'sent');
  assert.equal((await failure(first.request(purchase('081001')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await sent;
  await first.destroy(); // the reversal stays owed in the journal

  const written = readFileSync(join(dir, 'reversals.jsonl'));
  const files = readdirSync(dir).sort();
  const off = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: false, journalDir: dir } });
  const err = await failure(off.connect());
  // Only read: no compaction rewrote the file, no lock or spare file was made.
  assert.ok(readFileSync(join(dir, 'reversals.jsonl')).equals(written), 'the journal file is as the earlier run left it');
  assert.deepEqual(readdirSync(dir).sort(), files);
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
  assert.equal(err.field, 'reversal.enabled');
  assert.match(err.message, /1 entries .* \(1 reversals owed\)/);
  await off.destroy();

  answerReversals = true;
  const on = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: true, journalDir: dir, retryInterval: 60_000 } });
  const answered = safEvent(on, 'answered');
  await on.connect();
  assert.equal((await answered).mti, '0401');
  await on.close();

  // Nothing unsent now: reversal off starts.
  const offAgain = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: false, journalDir: dir } });
  await offAgain.connect();
  await offAgain.close();
});

test('reversal off with a journal folder that does not exist: starts, and makes no folder', async (t) => {
  const peer = await peerFor(t);
  const dir = join(tempDir(t, 'unsent-none'), 'never');
  const c = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: false, journalDir: dir } });
  await c.connect();
  assert.equal(existsSync(dir), false);
  await c.close();
});

test('reversal off over a journal whose only owed entry is a damaged add: the start is refused, naming it; one whose done is there starts', async (t) => {
  const peer = await peerFor(t);
  const reversal = { '0': '0400', '2': '4111111111111111', '4': '000000001000', '11': '000021', '41': 'TERM0001' };
  /** k1's add, damaged in a bit of its amount and its closing brace (no checksum vouches for it, nor mends it). */
  const damagedAdd = (): Buffer => {
    const line = Buffer.from(addLine({ id: 'k1', at: 1, reversal }));
    (line[line.indexOf('"4":"000000001000"') + 10] as number) ^= 0x01;
    (line[line.length - 1] as number) ^= 0x01;
    return Buffer.concat([line, Buffer.from('\n')]);
  };
  const owed = tempDir(t, 'unsent-damaged');
  writeFileSync(join(owed, 'reversals.jsonl'), Buffer.concat([damagedAdd(), Buffer.from('\n'.repeat(64))]));
  const written = readFileSync(join(owed, 'reversals.jsonl'));
  const off = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: false, journalDir: owed } });
  const err = await failure(off.connect());
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
  assert.equal(err.field, 'reversal.enabled');
  assert.match(err.message, /0 entries .* \(0 reversals owed\), and 1 damaged entries that may be owed/);
  assert.doesNotMatch(err.message, /4111111111111111/);
  assert.ok(readFileSync(join(owed, 'reversals.jsonl')).equals(written), 'only read');
  await off.destroy();

  // The same damaged add with its done after it: the reversal was sent and answered, nothing owed.
  const settled = tempDir(t, 'unsent-damaged-done');
  writeFileSync(join(settled, 'reversals.jsonl'), Buffer.concat([damagedAdd(), Buffer.from(`${doneLine('k1', 'reversed', 2)}\n${'\n'.repeat(64)}`)]));
  const offSettled = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: false, journalDir: settled } });
  await offSettled.connect();
  await offSettled.close();
});

test('reversal off with a journal path that cannot be read (a file where the folder should be): the start is refused, naming the folder', async (t) => {
  const peer = await peerFor(t);
  const notDir = join(tempDir(t, 'unsent-notdir'), 'journal');
  writeFileSync(notDir, 'not a folder\n');
  const off = connectorFor(t, { host: '127.0.0.1', port: peer.port, reversal: { enabled: false, journalDir: notDir } });
  const err = await failure(off.connect());
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_JOURNAL');
  assert.equal(err.field, 'reversal.journalDir');
  assert.match(err.message, /ENOTDIR/);
  await off.destroy();
});
