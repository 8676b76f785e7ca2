/**
 * An approval whose HTTP client has gone, through a flow's HTTP route (`iso8583 run`, `http.routes`): the client
 * posts a purchase to `/bank/` and aborts while the bank holds its answer; the bank then approves. The client never
 * learns of it, so the flow reverses it at that bank (0400, field 90 naming the original), as the gateway does. The
 * client closes its side first and waits for the flow to close the connection (its proof that the flow has seen the
 * client go) before the bank answers: no sleeps.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { within } from '@iso8583/test-support';
import { approve } from './helpers/bank.js';
import { startPurchaseHoldingBank } from './helpers/held-purchases.js';
import { startCli, stopAll } from './helpers/cli.js';
import { purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-client-gone-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('iso8583 run – an HTTP client that aborts on a flow route while the bank holds the answer: the approval is reversed at that bank', async () => {
  const holding = await startPurchaseHoldingBank();
  const bank = holding.bank;
  const file = join(work, 'flow.json');
  writeFileSync(file, JSON.stringify({
    name: 'gone',
    connectors: { bank: { host: '127.0.0.1', port: bank.port, frame: 'binary2', reversal: { enabled: true, journalDir: join(work, 'journal') } } },
    http: { port: 0, routes: { bank: '/bank' } },
  }));
  const flow = startCli(['run', file], { cwd: work });
  const m = await flow.waitForLine(/http listening on (\S+):(\d+)/);
  await flow.waitForLine(/^flow gone ready/);
  const [host, port] = [m[1] as string, Number(m[2])];

  const body = JSON.stringify(purchase('FLOWGONE', 720001, 3000, '4761739001010010'));
  const socket = connect({ host, port });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.resume();
  socket.write(`POST /bank/ HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const request = await bank.waitFor((r) => r['0'] === '0200' && r['11'] === '720001', 20_000);
  // The client gives up: its FIN; the flow's HTTP server ends the connection in turn (it has seen the abort).
  socket.end();
  await within(closed, 10_000, 'the flow to close the aborted HTTP connection');
  holding.answer('720001', { ...approve(request), 38: 'F12345', 39: '00' });

  const reversal = await bank.waitFor((r) => r['0'] === '0400' && r['11'] === '720001', 20_000);
  assert.match(String(reversal['90']), /^0200720001/);
  assert.equal(reversal['4'], '000000003000');
  flow.kill('SIGTERM');
  assert.equal((await flow.exited).code, 0);
  const logged = flow.stdout() + flow.stderr();
  assert.match(logged, /an approval could not be delivered \(the client has gone\): reversed/);
  assert.ok(!logged.includes('4761739001010010'), 'no PAN in the log');
  assert.equal(bank.received.filter((r) => r['0'] === '0400').length, 1, 'exactly one reversal');
  await bank.close();
});
