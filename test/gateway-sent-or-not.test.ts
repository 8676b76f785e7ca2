/**
 * The terminal's field 39 says whether the bank may have the request, from whether its first byte was written (the
 * connector's `sent` on the error), not from its code alone: a purchase refused before it left (its reversal journal
 * stopped: `ISO8583_ERR_CONNECTOR_JOURNAL`, a code also raised after the bank's answer) never reached the bank and is
 * answered 91, with nothing at the bank to reverse; 68 stays for a request written (gateway-maybe-at-bank.test.ts).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-sent-or-not-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('iso8583 gateway: a request that never left is answered 91, whatever its code', () => {
  test('the reversal journal moved away while the gateway runs: the next purchase is refused before the write, answered 91, nothing at the bank', async (t) => {
    const bank = await startBank(approve);
    t.after(() => bank.close());
    const journal = join(work, 'journal-removed');
    const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--log-level', 'fatal']);
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    assert.equal((await client.request(purchase('NOTSENT1', 61, 6100)))['39'], '00');
    // Moved away at once (a rename, unlike a removal, cannot race the journal's own files): it stops at its next append.
    renameSync(journal, `${journal}-moved`);
    const refused = await client.request(purchase('NOTSENT1', 62, 6200));
    assert.equal(refused['39'], '91', 'refused before its first byte was written (ISO8583_ERR_CONNECTOR_JOURNAL): it never reached the bank, so 91, not 68');
    assert.equal(refused['11'], '000062');
    assert.deepEqual(bank.received.map((m) => [m['0'], m['11']]), [['0200', '000061']], 'the refused purchase never reached the bank, and nothing is reversed');
    await client.close();
    gw.process.kill('SIGTERM');
    await gw.process.exited;
  });
});
