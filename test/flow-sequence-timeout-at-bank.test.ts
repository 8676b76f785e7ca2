/**
 * A sequence that times out while its request is at the bank (`iso8583 run` with the example sequences: `forward`
 * sends the purchase to the bank with the context's `signal`, `on-error` answers the terminal). The bank holds its
 * answer past the endpoint's `sequenceTimeout`: the endpoint aborts the signal, the connector stops waiting for the
 * written purchase as after a timeout (its reversal goes), and the timeout error says the purchase may be at the bank,
 * so the terminal is told 68 (response received too late), not 96. The bank then approves: the approval is reversed
 * (0400, field 90 naming the purchase), so no cardholder is charged for a purchase its terminal was told failed.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { approve } from './helpers/bank.js';
import { startPurchaseHoldingBank } from './helpers/held-purchases.js';
import { hostPort, startCli, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-timeout-at-bank-'));
const sequences = join(repoRoot(), 'examples', 'dist', 'sequences');

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('iso8583 run – the forward sequence times out while the bank holds the purchase: the terminal gets 68 and the late approval is reversed', async () => {
  const holding = await startPurchaseHoldingBank();
  const bank = holding.bank;
  const file = join(work, 'flow.json');
  writeFileSync(file, JSON.stringify({
    name: 'slowbank',
    connectors: {
      bank: { host: '127.0.0.1', port: bank.port, frame: 'binary2', requestTimeout: 60_000, reversal: { enabled: true, journalDir: join(work, 'journal') } },
    },
    inboundEndpoints: {
      pos: {
        port: 0,
        frame: 'binary2',
        sequence: join(sequences, 'forward.js'),
        onError: join(sequences, 'on-error.js'),
        sequenceTimeout: 1000,
      },
    },
    logLevel: 'warn',
  }));
  const flow = startCli(['run', file], { cwd: work });
  const pos = hostPort((await flow.waitForLine(/^inbound pos listening on (\S+)/))[1] as string);
  await flow.waitForLine(/^flow slowbank ready/);
  const client = await PosClient.open(pos.host, pos.port);

  // The bank reads the purchase and holds its answer; the endpoint's sequenceTimeout (1 s) passes meanwhile.
  const answer = await client.request(purchase('SLOWBANK', 730001, 4200, '4111111111111111'));
  const request = await bank.waitFor((r) => r['0'] === '0200' && r['11'] === '730001', 20_000);
  assert.equal(answer['39'], '68', 'the purchase was written to the bank and its outcome is unknown: 68 (it is reversed), not 96');
  assert.equal(answer['11'], '730001');

  // Only now does the bank approve: the cardholder would be charged for a purchase the terminal was told failed.
  holding.answer('730001', { ...approve(request), 38: 'SLOW01', 39: '00' });
  const reversal = await bank.waitFor((r) => r['0'] === '0400' && r['11'] === '730001', 20_000);
  assert.match(String(reversal['90']), /^0200730001/, 'field 90: the original MTI and STAN');
  assert.equal(reversal['4'], '000000004200');

  await client.close();
  flow.kill('SIGTERM');
  assert.equal((await flow.exited).code, 0);
  const logged = flow.stdout() + flow.stderr();
  assert.ok(!logged.includes('4111111111111111'), 'no PAN in the log');
  assert.equal(bank.received.filter((r) => r['0'] === '0400').length, 1, 'exactly one reversal');
  await bank.close();
});
