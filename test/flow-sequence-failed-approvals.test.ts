/**
 * A flow's inbound endpoint whose sequence got an approval from the bank (through `context.connectors`) and then
 * failed in time (`iso8583 run`, real sockets, the real binary): the terminal got onError's answer, or a 96, not the
 * approval. Each approval the terminal was not told of is reversed at the bank exactly once (one 0400, field 90 naming
 * it), counted as `iso8583_gateway_undelivered_approvals_total{reason="sequence-failed"}`; when onError answers with
 * an approval (built from the bank's answer the failure carried), the terminal has it: nothing is reversed. No card
 * data in the log. The bank approves every purchase at once; the flow is stopped (its SAF queue drained) before the
 * 0400s are counted.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@iso8583/test-support';
import { approve, startBank } from './helpers/bank.js';
import { stopAll } from './helpers/cli.js';
import { reversedCount, startPosFlow, stopPosFlow } from './helpers/pos-flow.js';
import type { PosFlow } from './helpers/pos-flow.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-sequence-failed-'));
const onError = join(repoRoot(), 'examples', 'dist', 'sequences', 'on-error.js');

// One purchase to the bank (approved), then a failure carrying the bank's answer; sync: thrown before any await.
writeFileSync(join(work, 'throws.mjs'), `export default async function throws(message, context) {
  const answer = await context.connectors.bank.request({ ...message.fields });
  throw Object.assign(new Error('the sequence failed after the bank approved'), { answer });
}
`);
// Two purchases approved (the second STAN + 1), then a failure.
writeFileSync(join(work, 'two.mjs'), `export default async function two(message, context) {
  const bank = context.connectors.bank;
  await bank.request({ ...message.fields });
  const stan = String(Number(message.fields['11']) + 1).padStart(6, '0');
  await bank.request({ ...message.fields, 11: stan });
  throw new Error('the sequence failed after two approvals');
}
`);
// onError answering with the bank's approval the failure carried (else a 96).
writeFileSync(join(work, 'answers-approval.mjs'), `export default function answersApproval(message, context) {
  const answer = context.error?.cause?.answer;
  return answer ?? { 0: '0210', 11: message.fields['11'], 39: '96' };
}
`);
// onError answering with the bank's approval the failure carried, with a field 4 one digit too long (n 12): the
// endpoint cannot pack it, so the terminal gets a 96 and the approval never reaches it.
writeFileSync(join(work, 'approval-unpackable.mjs'), `export default function approvalUnpackable(message, context) {
  const answer = context.error?.cause?.answer;
  return answer ? { ...answer, 4: '0' + answer['4'] } : { 0: '0210', 11: message.fields['11'], 39: '96' };
}
`);
// onError answering with a decline it builds itself.
writeFileSync(join(work, 'declines.mjs'), `export default function declines(message) {
  return { 0: '0210', 3: message.fields['3'], 4: message.fields['4'], 11: message.fields['11'], 41: message.fields['41'], 39: '05' };
}
`);
// onError that never settles: the endpoint answers 96 at its sequence timeout.
writeFileSync(join(work, 'hangs.mjs'), `export default function hangs() {
  return new Promise(() => {});
}
`);

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** Runs a flow of one `bank` connector and one `pos` endpoint; resolves with the process and the POS and HTTP addresses. */
function runFlow(name: string, bank: { port: number }, sequence: string, endpoint: Record<string, unknown>): Promise<PosFlow> {
  return startPosFlow(work, name, bank.port, { sequence: join(work, sequence), sequenceTimeout: 30_000, ...endpoint });
}

test('iso8583 run – the sequence fails after the bank approved, onError answers 96: the approval is reversed once, counted as sequence-failed', async () => {
  const bank = await startBank(approve);
  const { flow, pos, http } = await runFlow('failedflow', bank, 'throws.mjs', { onError });
  const client = await PosClient.open(pos.host, pos.port);
  const told = await client.request(purchase('FAILFLOW', 750001, 4200));
  assert.equal(told['39'], '96', 'the terminal was told the purchase failed');
  const reversal = await bank.waitFor((r) => r['0'] === '0400', 20_000);
  assert.match(String(reversal['90']), /^0200750001/, 'field 90: the original MTI and STAN');
  assert.equal(reversal['4'], '000000004200');
  assert.equal(await reversedCount(http, 'sequence-failed'), 1);
  await client.close();
  const { reversals, logged } = await stopPosFlow(flow, bank);
  assert.equal(reversals.length, 1, 'exactly one reversal');
  assert.match(logged, /an approval was followed by its sequence's failure[^\n]*: reversed/);
  assert.ok(!logged.includes('4111111111111111'), 'no PAN in the log');
});

test('iso8583 run – no onError: the terminal gets a 96, each of the two approvals the sequence got is reversed once', async () => {
  const bank = await startBank(approve);
  const { flow, pos } = await runFlow('noerrflow', bank, 'two.mjs', {});
  const client = await PosClient.open(pos.host, pos.port);
  const told = await client.request(purchase('NOERRFLW', 751001, 3300, '5413330089010434'));
  assert.equal(told['39'], '96');
  await bank.waitFor((r) => r['0'] === '0400' && String(r['90']).startsWith('0200751001'), 20_000);
  await bank.waitFor((r) => r['0'] === '0400' && String(r['90']).startsWith('0200751002'), 20_000);
  await client.close();
  const { reversals, logged } = await stopPosFlow(flow, bank);
  assert.deepEqual(reversals.map((r) => String(r['90']).slice(0, 10)).sort(), ['0200751001', '0200751002'], 'one reversal for each, none doubled');
  assert.ok(!logged.includes('5413330089010434'), 'no PAN in the log');
});

// onError's own decline, and an onError that never settles (the endpoint answers 96 at the sequence timeout).
for (const one of [
  { what: 'answers with a decline of its own', name: 'declineflow', file: 'declines.mjs', stan: 752001, told: '05', endpoint: {} },
  { what: 'never settles: the terminal gets a 96 at the sequence timeout', name: 'hangflow', file: 'hangs.mjs', stan: 753001, told: '96', endpoint: { sequenceTimeout: 1000 } },
]) {
  test(`iso8583 run – onError ${one.what}: the approval is reversed once`, async () => {
    const bank = await startBank(approve);
    const { flow, pos } = await runFlow(one.name, bank, 'throws.mjs', { onError: join(work, one.file), ...one.endpoint });
    const client = await PosClient.open(pos.host, pos.port);
    assert.equal((await client.request(purchase(one.name.toUpperCase().slice(0, 8), one.stan, 1500)))['39'], one.told);
    await bank.waitFor((r) => r['0'] === '0400', 20_000);
    await client.close();
    const { reversals } = await stopPosFlow(flow, bank);
    assert.equal(reversals.length, 1, 'exactly one reversal');
    assert.match(String(reversals[0]?.['90']), new RegExp(`^0200${one.stan}`));
  });
}

test('iso8583 run – onError answers with the bank\'s approval the failure carried: the terminal has it, nothing is reversed', async () => {
  const bank = await startBank(approve);
  const { flow, pos, http } = await runFlow('approvedflow', bank, 'throws.mjs', { onError: join(work, 'answers-approval.mjs') });
  const client = await PosClient.open(pos.host, pos.port);
  assert.equal((await client.request(purchase('APPRFLOW', 754001, 2500)))['39'], '00', 'the terminal was told approved');
  // A second message on the same connection after the first is answered: the flow has judged the first by then.
  assert.equal((await client.request(purchase('APPRFLOW', 754003, 2600)))['39'], '00');
  await client.close();
  assert.equal(await reversedCount(http, 'sequence-failed'), 0);
  const { reversals } = await stopPosFlow(flow, bank);
  assert.equal(reversals.length, 0, 'no reversal: the terminal got the approval');
});

test('iso8583 run – onError\'s approval that never reaches the terminal (it cannot be packed: the terminal gets a 96): the approval is reversed once, as reply-invalid', async () => {
  const bank = await startBank(approve);
  const { flow, pos, http } = await runFlow('unpackflow', bank, 'throws.mjs', { onError: join(work, 'approval-unpackable.mjs') });
  const client = await PosClient.open(pos.host, pos.port);
  assert.equal((await client.request(purchase('UNPKFLOW', 755001, 2700)))['39'], '96', 'the terminal was told it failed');
  await bank.waitFor((r) => r['0'] === '0400', 20_000);
  assert.equal(await reversedCount(http, 'reply-invalid'), 1);
  assert.equal(await reversedCount(http, 'sequence-failed'), 0);
  await client.close();
  const { reversals, logged } = await stopPosFlow(flow, bank);
  assert.equal(reversals.length, 1, 'exactly one reversal');
  assert.match(String(reversals[0]?.['90']), /^0200755001/);
  assert.ok(!logged.includes('4111111111111111'), 'no PAN in the log');
});
