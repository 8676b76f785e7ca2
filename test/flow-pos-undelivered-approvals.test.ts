/**
 * A flow's inbound endpoint whose sequence got an approval from the bank (through `context.connectors`) that its
 * terminal never got (`iso8583 run`, real sockets, the real binary): the sequence timed out and onError answered the
 * terminal, the terminal's connection went, or the sequence failed after its timeout. Each approval is reversed at the
 * bank, exactly once (one 0400, field 90 naming it); a request the connector reversed itself (written, then aborted by
 * the sequence's `signal`) is not reversed a second time; a reply delivered reverses nothing. No card data in the
 * log. A sequence that tells the terminal a decline (or echoes its request) after the bank approved has that approval
 * reversed once too. The bank holds the purchases the test names and approves the rest at once: the test decides when
 * each is answered, after the event that proves the terminal will never get it (its timeout answer, its connection closed).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, waitUntil } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { hostPort, startCli, stopAll } from './helpers/cli.js';
import { reversedCount, startPosFlow, stopPosFlow } from './helpers/pos-flow.js';
import type { PosFlow } from './helpers/pos-flow.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-pos-undelivered-'));
const onError = join(repoRoot(), 'examples', 'dist', 'sequences', 'on-error.js');

// The purchase to the bank without the context's signal: the sequence waits for the bank past its timeout.
writeFileSync(join(work, 'relay.mjs'), `export default async function relay(message, context) {
  return context.connectors.bank.request({ ...message.fields });
}
`);
// Two purchases: the first approved, the second (STAN + 1) with the signal, held past the timeout.
writeFileSync(join(work, 'two.mjs'), `export default async function two(message, context) {
  const bank = context.connectors.bank;
  const first = await bank.request({ ...message.fields });
  const stan = String(Number(message.fields['11']) + 1).padStart(6, '0');
  const second = await bank.request({ ...message.fields, 11: stan }, { signal: context.signal });
  return { ...first, 39: second['39'] };
}
`);

// The bank's answer told as it is, declined (39 05), or the request echoed back unchanged, by the STAN's last digit.
writeFileSync(join(work, 'told.mjs'), `export default async function told(message, context) {
  const answer = await context.connectors.bank.request({ ...message.fields });
  const last = String(message.fields['11']).slice(-1);
  if (last === '1') return { ...answer, 39: '05' };
  if (last === '2') return { ...message.fields };
  return answer;
}
`);

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** A bank that holds the purchases whose STAN is in `held` until `answer(stan)`, and approves everything else at once. */
async function startBankHolding(held: string[]): Promise<{ bank: ScriptedBank; answer: (stan: string) => void }> {
  const writes = new Map<string, { request: IsoMessage; write: (reply: IsoMessage) => void }>();
  const bank = await startBank(approve);
  bank.onRequest((request, write) => {
    const stan = String(request['11']);
    if (request['0'] === '0200' && held.includes(stan)) writes.set(stan, { request, write });
    else write(approve(request));
  });
  return {
    bank,
    answer: (stan) => {
      const one = writes.get(stan);
      if (one === undefined) throw new Error(`the bank holds no purchase with STAN ${stan}`);
      one.write({ ...approve(one.request), 38: 'APPR01' });
    },
  };
}

/** Runs a flow of one `bank` connector and one `pos` endpoint with `sequence`; resolves with the process and the POS address. */
function runFlow(name: string, bank: { port: number }, sequence: string, endpoint: Record<string, unknown> = {}): Promise<PosFlow> {
  return startPosFlow(work, name, bank.port, { sequence: join(work, sequence), onError, sequenceTimeout: 1000, ...endpoint });
}

test('iso8583 run – the sequence times out waiting for the bank, onError answers: the approval that comes later is reversed once; one delivered is not', async () => {
  const { bank, answer } = await startBankHolding(['740002']);
  const { flow, pos } = await runFlow('lateflow', bank, 'relay.mjs');
  const client = await PosClient.open(pos.host, pos.port);
  // Delivered: approved in time, the terminal has it.
  assert.equal((await client.request(purchase('LATEFLOW', 740001, 1500, '5413330089010434')))['39'], '00');
  // Held past the sequence timeout: onError answers the terminal (a failure), then the bank approves.
  const told = await client.request(purchase('LATEFLOW', 740002, 4200));
  assert.notEqual(told['39'], '00', 'the terminal was told the purchase failed');
  answer('740002');
  const reversal = await bank.waitFor((r) => r['0'] === '0400', 20_000);
  assert.match(String(reversal['90']), /^0200740002/, 'field 90: the original MTI and STAN');
  assert.equal(reversal['4'], '000000004200');
  await client.close();
  const { reversals, logged } = await stopPosFlow(flow, bank);
  assert.equal(reversals.length, 1, 'exactly one reversal: the late approval, not the delivered one');
  assert.match(logged, /an approval came after the POS timeout: reversed/);
  assert.ok(!logged.includes('4111111111111111') && !logged.includes('5413330089010434'), 'no PAN in the log');
});

test('iso8583 run – the terminal\'s connection goes while the bank holds the purchase: the approval its reply carried is reversed once', async () => {
  const { bank, answer } = await startBankHolding(['741001']);
  // The terminal's FIN ends the connection at once (SocketQueue's clients give up by closing): its replies are undeliverable.
  const { flow, pos } = await runFlow('goneflow', bank, 'relay.mjs', { allowHalfOpen: false });
  const client = await PosClient.open(pos.host, pos.port);
  const pending = client.request(purchase('GONEFLOW', 741001, 2500)).catch((err: unknown) => err);
  await bank.waitFor((r) => r['0'] === '0200' && r['11'] === '741001', 20_000);
  // Closed once the flow has closed its side too: its proof that the flow saw the terminal go.
  await client.close();
  assert.ok((await pending) instanceof Error, 'the terminal never got an answer');
  answer('741001');
  const reversal = await bank.waitFor((r) => r['0'] === '0400', 20_000);
  assert.match(String(reversal['90']), /^0200741001/);
  const { reversals, logged } = await stopPosFlow(flow, bank);
  assert.equal(reversals.length, 1, 'exactly one reversal');
  assert.match(logged, /an approval could not be delivered \(the client has gone\): reversed/);
  assert.ok(!logged.includes('4111111111111111'), 'no PAN in the log');
});

test('iso8583 run – a sequence that fails after its timeout: its earlier approval reversed by the flow, its aborted purchase by the connector, each once', async () => {
  const { bank } = await startBankHolding(['742002']);
  const { flow, pos } = await runFlow('twoflow', bank, 'two.mjs');
  const client = await PosClient.open(pos.host, pos.port);
  // 742001 approved at once; 742002 (sent with the signal) held past the timeout: the abort stops the wait for it
  // (the connector reverses it: written) and the sequence fails, after onError answered 68.
  const told = await client.request(purchase('TWOFLOW1', 742001, 3300));
  assert.equal(told['39'], '68');
  const first = await bank.waitFor((r) => r['0'] === '0400' && String(r['90']).startsWith('0200742001'), 20_000);
  const second = await bank.waitFor((r) => r['0'] === '0400' && String(r['90']).startsWith('0200742002'), 20_000);
  assert.equal(first['4'], '000000003300');
  assert.equal(second['4'], '000000003300');
  await client.close();
  const { reversals, logged } = await stopPosFlow(flow, bank);
  assert.deepEqual(reversals.map((r) => String(r['90']).slice(0, 10)).sort(), ['0200742001', '0200742002'], 'one reversal for each, none doubled');
  assert.ok(!logged.includes('4111111111111111'), 'no PAN in the log');
});

test('iso8583 run – through an upstream group: the late approval is reversed at the upstream that gave it, and counted on /metrics', async () => {
  const primary = await startBankHolding([]);
  const backup = await startBankHolding(['743001']);
  const file = join(work, 'groupflow.json');
  const link = (port: number, dir: string): Record<string, unknown> => ({
    host: '127.0.0.1', port, frame: 'binary2', requestTimeout: 60_000, reversal: { enabled: true, journalDir: join(work, dir) },
  });
  writeFileSync(file, JSON.stringify({
    name: 'groupflow',
    connectors: { primary: link(primary.bank.port, 'group-primary'), backup: link(backup.bank.port, 'group-backup') },
    // Mastercard's 5413 range goes to the backup: the group, not the flow, knows which upstream answered.
    upstreamGroups: { bank: { upstreams: ['primary', 'backup'], routes: [{ pan: '5413', upstream: 'backup' }] } },
    inboundEndpoints: { pos: { port: 0, frame: 'binary2', sequence: join(work, 'relay.mjs'), onError, sequenceTimeout: 1000 } },
    http: { port: 0 },
    logLevel: 'warn',
  }));
  const flow = startCli(['run', file], { cwd: work });
  const pos = hostPort((await flow.waitForLine(/^inbound pos listening on (\S+)/))[1] as string);
  const http = hostPort((await flow.waitForLine(/^http listening on (\S+)/))[1] as string);
  await flow.waitForLine(/^flow groupflow ready/);
  await waitUntil(async () => {
    const stats = (await (await fetch(`http://${http.host}:${http.port}/stats`)).json()) as { upstreamGroups: { bank: { healthy: string[] } } };
    return stats.upstreamGroups.bank.healthy.length === 2 ? true : undefined;
  }, { what: 'both upstreams of the group healthy' });
  const client = await PosClient.open(pos.host, pos.port);
  const told = await client.request(purchase('GROUPFL1', 743001, 6100, '5413330089010434'));
  assert.notEqual(told['39'], '00');
  backup.answer('743001');
  const reversal = await backup.bank.waitFor((r) => r['0'] === '0400', 20_000);
  assert.match(String(reversal['90']), /^0200743001/);
  const metrics = await (await fetch(`http://${http.host}:${http.port}/metrics`)).text();
  assert.match(metrics, /iso8583_gateway_undelivered_approvals_total\{reason="sequence-timeout",side="pos",outcome="reversed"\} 1/);
  await client.close();
  const { reversals, logged } = await stopPosFlow(flow, backup.bank);
  assert.equal(reversals.length, 1, 'exactly one reversal, at the backup');
  assert.equal(primary.bank.received.filter((r) => r['0'] === '0400').length, 0, 'none at the primary, which never had the purchase');
  await primary.bank.close();
  assert.ok(!logged.includes('5413330089010434'), 'no PAN in the log');
});

test('iso8583 run – the bank approves and the sequence tells the terminal a decline, or echoes the request: each approval reversed once; an approval told is not', async () => {
  const { bank } = await startBankHolding([]);
  const { flow, pos, http } = await runFlow('toldflow', bank, 'told.mjs');
  const client = await PosClient.open(pos.host, pos.port);
  assert.equal((await client.request(purchase('TOLDFLOW', 744001, 1200)))['39'], '05', 'the terminal was told declined');
  const echoed = await client.request(purchase('TOLDFLOW', 744002, 2300));
  assert.equal(echoed['0'], '0200', 'the terminal got its request back');
  assert.equal(echoed['39'], undefined);
  assert.equal((await client.request(purchase('TOLDFLOW', 744003, 3400)))['39'], '00', 'the terminal was told approved');
  await bank.waitFor((r) => r['0'] === '0400' && String(r['90']).startsWith('0200744001'), 20_000);
  await bank.waitFor((r) => r['0'] === '0400' && String(r['90']).startsWith('0200744002'), 20_000);
  await waitUntil(async () => ((await reversedCount(http, 'reply-declined')) === 2 ? true : undefined), { what: 'both counted on /metrics, reason reply-declined' });
  await client.close();
  const { reversals, logged } = await stopPosFlow(flow, bank);
  assert.deepEqual(reversals.map((r) => String(r['90']).slice(0, 10)).sort(), ['0200744001', '0200744002'], 'one reversal each, none for the approval told');
  assert.deepEqual(reversals.map((r) => r['4']).sort(), ['000000001200', '000000002300']);
  assert.match(logged, /an approval was followed by a reply to the terminal that does not approve \(a decline, or no approving field 39\): reversed/);
  assert.ok(!logged.includes('4111111111111111'), 'no PAN in the log');
});
