/**
 * A flow's inbound endpoint whose sequence times out waiting for the bank and whose onError answers the terminal with
 * a stand-in approval (`iso8583 run`, real sockets, the real binary): the terminal was told approved, so the bank's
 * approval that comes to the sequence after its timeout is kept, not reversed (no 0400, nothing counted), whether it
 * comes after onError answered or while onError is still deciding. When onError's approval never reaches the
 * terminal (its connection has gone), the late approval is reversed once, as `client-gone`. onError's answer that is
 * not an approval reverses the late approval (flow-pos-undelivered-approvals.test.ts, the first test). The bank holds
 * each purchase until the test answers it; a gated onError waits for an HTTP answer the test holds, so that the
 * order of the late approval and onError's answer is the test's. No card data in the log. The three tests run side by
 * side (a flow, a bank, a gate and module files of their own each): they wait on the sequence timeout, not the CPU.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil, within } from '@iso8583/test-support';
import { approve } from './helpers/bank.js';
import { startPurchaseHoldingBank } from './helpers/held-purchases.js';
import type { PurchaseHoldingBank } from './helpers/held-purchases.js';
import { stopAll } from './helpers/cli.js';
import { reversedCount, startPosFlow, stopPosFlow } from './helpers/pos-flow.js';
import type { PosFlow } from './helpers/pos-flow.js';
import type { CliProcess } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-timeout-approved-'));

// The purchase to the bank without the context's signal: the sequence waits for the bank past its timeout.
writeFileSync(join(work, 'relay.mjs'), `export default async function relay(message, context) {
  return context.connectors.bank.request({ ...message.fields });
}
`);
/** A stand-in approval of the purchase (onError's answer); `gate`: fetched first, its answer awaited. */
function standIn(gate?: string): string {
  return `export default async function standIn(message) {
  ${gate === undefined ? '' : `await (await fetch(${JSON.stringify(gate)})).text();`}
  const f = message.fields;
  return { 0: '0210', 3: f['3'], 4: f['4'], 11: f['11'], 38: 'STAND1', 39: '00', 41: f['41'] };
}
`;
}
writeFileSync(join(work, 'stand-in.mjs'), standIn());

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** An HTTP gate on 127.0.0.1: `reached` resolves when its first request comes; `open()` answers it. */
async function startGate(): Promise<{ url: string; reached: Promise<void>; open: () => void; close: () => Promise<void> }> {
  let reach: () => void = () => {};
  const reached = new Promise<void>((resolve) => (reach = resolve));
  let held: ServerResponse | undefined;
  let opened = false;
  const server = createServer((_req, res) => {
    if (opened) res.end('open');
    else held = res;
    reach();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/gate`,
    reached,
    open: () => {
      opened = true;
      held?.end('open');
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Runs a flow of one `bank` connector and one `pos` endpoint with `onError`; resolves with the process and the POS and HTTP addresses. */
function runFlow(name: string, bank: { port: number }, onError: string, endpoint: Record<string, unknown>): Promise<PosFlow> {
  return startPosFlow(work, name, bank.port, { sequence: join(work, 'relay.mjs'), onError: join(work, onError), sequenceTimeout: 1000, ...endpoint });
}

/** The bank approves the held purchase of `stan` (as it received it), with an authorisation code of its own. */
function bankApproves(holding: PurchaseHoldingBank, stan: string): void {
  const request = holding.bank.received.find((r) => r['0'] === '0200' && r['11'] === stan);
  assert.ok(request !== undefined, `the bank has the purchase ${stan}`);
  holding.answer(stan, { ...approve(request), 38: 'BANK01', 39: '00' });
}

/**
 * Resolves once the flow has logged (standard error) that the sequence's result came after its timeout: it is handed
 * to onLateResult right after that line is written.
 */
async function lateResultLogged(flow: CliProcess): Promise<void> {
  await waitUntil(() => flow.stderr().includes('ISO8583_ERR_INBOUND_LATE_REPLY') || undefined, { what: 'the late result logged', timeoutMs: 20_000, intervalMs: 20 });
}

describe('a sequence timeout answered by onError with a stand-in approval', { concurrency: true }, () => {
  test('iso8583 run – the sequence times out, onError answers with a stand-in approval, then the bank approves: the late approval is kept, nothing reversed', async () => {
    const holding = await startPurchaseHoldingBank();
    const { flow, pos, http } = await runFlow('keptflow', holding.bank, 'stand-in.mjs', {});
    const client = await PosClient.open(pos.host, pos.port);
    const told = await client.request(purchase('KEPTFLOW', 760001, 4200));
    assert.equal(told['39'], '00', 'the terminal was told approved, by onError at the sequence timeout');
    await holding.bank.waitFor((r) => r['0'] === '0200' && r['11'] === '760001', 20_000);
    bankApproves(holding, '760001');
    await lateResultLogged(flow);
    assert.equal(await reversedCount(http, 'sequence-timeout'), 0, 'nothing counted as reversed');
    await client.close();
    const { reversals, logged } = await stopPosFlow(flow, holding.bank);
    assert.equal(reversals.length, 0, 'no reversal: the terminal was told approved');
    assert.doesNotMatch(logged, /an approval came after the POS timeout: reversed/);
    assert.ok(!logged.includes('4111111111111111'), 'no PAN in the log');
  });

  test('iso8583 run – the bank\'s approval comes after the sequence timeout while onError is still deciding, then onError approves: kept, nothing reversed', async () => {
    const holding = await startPurchaseHoldingBank();
    const gate = await startGate();
    writeFileSync(join(work, 'gated-keep.mjs'), standIn(gate.url));
    // onError must settle within the sequence timeout (the flow's bound on it): 4 s for the steps below, which are quick.
    const { flow, pos } = await runFlow('gatedkeep', holding.bank, 'gated-keep.mjs', { sequenceTimeout: 4000 });
    const client = await PosClient.open(pos.host, pos.port);
    const answered = client.request(purchase('GATEKEEP', 761001, 5100));
    await holding.bank.waitFor((r) => r['0'] === '0200' && r['11'] === '761001', 20_000);
    // onError is running (the sequence timed out): the bank approves, and the sequence's late result is handed over first.
    await within(gate.reached, 20_000, 'onError called at the sequence timeout');
    bankApproves(holding, '761001');
    await lateResultLogged(flow);
    gate.open();
    assert.equal((await answered)['39'], '00', 'the terminal was told approved, by onError');
    await client.close();
    const { reversals, logged } = await stopPosFlow(flow, holding.bank);
    await gate.close();
    assert.equal(reversals.length, 0, 'no reversal: the terminal was told approved');
    assert.doesNotMatch(logged, /an approval came after the POS timeout: reversed/);
    assert.ok(!logged.includes('4111111111111111'), 'no PAN in the log');
  });

  test('iso8583 run – onError\'s timeout approval never reaches the terminal (its connection has gone): the late approval is reversed once, as client-gone', async () => {
    const holding = await startPurchaseHoldingBank();
    const gate = await startGate();
    writeFileSync(join(work, 'gated-gone.mjs'), standIn(gate.url));
    // The terminal's FIN ends the connection at once: the replies of its messages in flight are undeliverable.
    const { flow, pos, http } = await runFlow('gatedgone', holding.bank, 'gated-gone.mjs', { sequenceTimeout: 4000, allowHalfOpen: false });
    const client = await PosClient.open(pos.host, pos.port);
    const answered = client.request(purchase('GATEGONE', 762001, 5300)).catch((err: unknown) => err);
    await holding.bank.waitFor((r) => r['0'] === '0200' && r['11'] === '762001', 20_000);
    // Closed once the flow has closed its side too: its proof that the flow saw the terminal go.
    await client.close();
    assert.ok((await answered) instanceof Error, 'the terminal never got an answer');
    // The late approval comes while onError decides; onError then approves, but its answer finds the terminal gone.
    await within(gate.reached, 20_000, 'onError called at the sequence timeout');
    bankApproves(holding, '762001');
    await lateResultLogged(flow);
    gate.open();
    const reversal = await holding.bank.waitFor((r) => r['0'] === '0400', 20_000);
    assert.match(String(reversal['90']), /^0200762001/, 'field 90: the original MTI and STAN');
    assert.equal(reversal['4'], '000000005300');
    assert.equal(await reversedCount(http, 'client-gone'), 1, 'reversed because onError\'s approval was not delivered');
    assert.equal(await reversedCount(http, 'sequence-timeout'), 0);
    const { reversals, logged } = await stopPosFlow(flow, holding.bank);
    await gate.close();
    assert.equal(reversals.length, 1, 'exactly one reversal');
    assert.match(logged, /an approval could not be delivered \(the client has gone\): reversed/);
    assert.ok(!logged.includes('4111111111111111'), 'no PAN in the log');
  });
});
