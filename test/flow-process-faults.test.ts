/**
 * A flow's sequence code that faults outside any request's path (`iso8583 run`, the real binary, real sockets; rv67h
 * F2): a promise it rejects and leaves, and a process warning, are logged masked (`ISO8583_ERR_UNHANDLED_REJECTION`,
 * `ISO8583_WARN_PROCESS_WARNING`) and the flow goes on serving; an uncaught exception is logged masked
 * (`ISO8583_ERR_UNCAUGHT_EXCEPTION`) and the flow stops gracefully, the other terminal's request in flight getting its
 * answer, exit 1. Node printed each raw on stderr (full PAN and track 2), and the first and the last ended the flow at once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approve, startBank } from './helpers/bank.js';
import { exitWithin, stopAll } from './helpers/cli.js';
import { startPosFlow, stopPosFlow } from './helpers/pos-flow.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-process-faults-'));
const PAN = '4111111111111111';

// By the STAN's last digit: 1 leaves a rejected promise, 2 emits a warning, 3 throws from a timer (an uncaught
// exception) after a request of STAN 4 is in flight, which is released by the next timer (fired after the throw).
writeFileSync(join(work, 'faults.mjs'), `let release;
const held = new Promise((resolve) => { release = resolve; });
export default async function faults(message) {
  const f = message.fields;
  const mode = String(f['11']).slice(-1);
  const secret = 'pan ' + f['2'] + ' track ' + f['35'];
  if (mode === '1') Promise.reject(new Error('rejected: ' + secret));
  if (mode === '2') process.emitWarning('warned: ' + secret);
  if (mode === '3') {
    setTimeout(() => { throw new Error('thrown: ' + secret); }, 0);
    setTimeout(() => release(), 0);
  }
  if (mode === '4') await held;
  return { 0: '0210', 3: f['3'], 4: f['4'], 11: f['11'], 41: f['41'], 39: '00' };
}
`);

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const flowOf = (name: string, bankPort: number) => startPosFlow(work, name, bankPort, { sequence: join(work, 'faults.mjs') }, { logLevel: 'info' });

/** No full PAN and no track 2 data after the PAN anywhere in what the process wrote. */
function assertNoCardData(text: string): void {
  assert.ok(!text.includes(PAN), 'the full PAN is written');
  assert.ok(!text.includes('30121010000012345678'), 'track 2 data is written');
}

test('iso8583 run – a rejected promise and a warning of a sequence are logged masked with their codes; the flow goes on', async (t) => {
  const bank = await startBank(approve);
  t.after(() => bank.close());
  const { flow, pos } = await flowOf('faultsgoon', bank.port);
  const client = await PosClient.open(pos.host, pos.port);
  // Both are told before the flow stops: a rejection once its tick's microtasks ran, a warning on the next tick.
  assert.equal((await client.request(purchase('TERM0001', 900001, 100)))['39'], '00');
  assert.equal((await client.request(purchase('TERM0001', 900002, 100)))['39'], '00');
  const other = await PosClient.open(pos.host, pos.port);
  assert.equal((await other.request(purchase('TERM0002', 900005, 100)))['39'], '00', 'the flow still serves');
  await client.close();
  await other.close();
  const { logged } = await stopPosFlow(flow, bank);
  assertNoCardData(logged);
  assert.match(logged, /"code":"ISO8583_ERR_UNHANDLED_REJECTION","fault":\{"type":"Error","message":"rejected: pan 411111\*{6}1111 track 411111\*{6}1111=\*{20}"/);
  assert.match(logged, /"code":"ISO8583_WARN_PROCESS_WARNING","fault":\{"type":"Warning","message":"warned: pan 411111\*{6}1111 /);
  assert.doesNotMatch(logged, /MaxListenersExceededWarning|\(node:\d+\)/, 'no raw line of Node');
});

test('iso8583 run – an uncaught exception of a sequence is logged masked, the flow stops gracefully: the request in flight is answered, exit 1', async (t) => {
  const bank = await startBank(approve);
  t.after(() => bank.close());
  const { flow, pos } = await flowOf('faultsstop', bank.port);
  const waiting = await PosClient.open(pos.host, pos.port);
  const inFlight = waiting.request(purchase('TERM0004', 900004, 100));
  const thrower = await PosClient.open(pos.host, pos.port);
  assert.equal((await thrower.request(purchase('TERM0003', 900003, 100)))['39'], '00');
  assert.equal((await inFlight)['39'], '00', 'the other terminal\'s request in flight got its answer');
  const exit = await exitWithin(flow, 30_000, 'the flow stopped after the uncaught exception');
  await waiting.close();
  await thrower.close();
  assert.equal(exit.code, 1);
  const logged = flow.stdout() + flow.stderr();
  assert.match(flow.stdout(), /^flow faultsstop stopped after an uncaught exception$/m);
  assert.match(logged, /ISO8583_ERR_UNCAUGHT_EXCEPTION/);
  assertNoCardData(logged);
});
