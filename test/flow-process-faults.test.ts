/**
 * A flow's sequence code that faults outside any request's path (`iso8583 run`, the real binary, real sockets; rv67h
 * F2, sr67i): a process warning is logged masked (`ISO8583_WARN_PROCESS_WARNING`) and the flow goes on serving; a
 * promise it rejects and leaves (`ISO8583_ERR_UNHANDLED_REJECTION`) and an uncaught exception
 * (`ISO8583_ERR_UNCAUGHT_EXCEPTION`) are logged masked and the flow stops gracefully, the other terminal's request in
 * flight getting its answer, exit 1; one during the operator's drain never turns it into an abort. Node printed each
 * raw on stderr (full PAN and track 2), and the rejection and the exception ended the flow at once.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approve, startBank } from './helpers/bank.js';
import { exitWithin, runToEnd, stopAll } from './helpers/cli.js';
import { startPosFlow } from './helpers/pos-flow.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-process-faults-'));
const PAN = '4111111111111111';

// By the STAN's last digit: 1 leaves a rejected promise, 2 emits a warning, 3 throws from a timer (an uncaught
// exception) once a request of STAN 4 is in the sequence (it tells so), which is released by the next timer (fired
// after the throw); 6 holds its request until the flow's SIGTERM, then throws from a timer and is released by the next
// one (an uncaught exception during the operator's drain); 7 throws from a timer an error whose stack getter throws.
writeFileSync(join(work, 'faults.mjs'), `let release;
const held = new Promise((resolve) => { release = resolve; });
let arrived;
const fourIn = new Promise((resolve) => { arrived = resolve; });
export default async function faults(message) {
  const f = message.fields;
  const mode = String(f['11']).slice(-1);
  const secret = 'pan ' + f['2'] + ' track ' + f['35'];
  if (mode === '1') Promise.reject(new Error('rejected: ' + secret));
  if (mode === '2') process.emitWarning('warned: ' + secret);
  if (mode === '3') {
    await fourIn;
    setTimeout(() => { throw new Error('thrown: ' + secret); }, 0);
    setTimeout(() => release(), 0);
  }
  if (mode === '4') {
    arrived();
    await held;
  }
  if (mode === '6') {
    const draining = new Promise((resolve) => {
      process.once('SIGTERM', () => {
        setTimeout(() => { throw new Error('thrown while draining: ' + secret); }, 0);
        setTimeout(() => resolve(), 0);
      });
    });
    process.stdout.write('sequence holds ' + f['11'] + '\\n');
    await draining;
  }
  if (mode === '7') {
    setTimeout(() => {
      const err = new Error('unreadable: ' + secret);
      Object.defineProperty(err, 'stack', { get() { throw new Error('no stack: ' + secret); } });
      throw err;
    }, 0);
  }
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

const END = 'stopped after an uncaught exception or unhandled rejection';

test('iso8583 run – a warning of a sequence is logged masked and the flow goes on; its rejected promise is logged masked and the flow stops gracefully, exit 1', async (t) => {
  const bank = await startBank(approve);
  t.after(() => bank.close());
  const { flow, pos } = await flowOf('faultsgoon', bank.port);
  const client = await PosClient.open(pos.host, pos.port);
  // A warning is told on the next tick, before the next request is answered.
  assert.equal((await client.request(purchase('TERM0001', 900002, 100)))['39'], '00');
  const other = await PosClient.open(pos.host, pos.port);
  assert.equal((await other.request(purchase('TERM0002', 900005, 100)))['39'], '00', 'the flow still serves');
  // A rejection nobody handles may be the product's own fire-and-forget work (a reversal to retry): the flow stops.
  assert.equal((await client.request(purchase('TERM0001', 900001, 100)))['39'], '00');
  const exit = await exitWithin(flow, 30_000, 'the flow stopped after the unhandled rejection');
  await client.close();
  await other.close();
  assert.equal(exit.code, 1);
  const logged = flow.stdout() + flow.stderr();
  assertNoCardData(logged);
  assert.match(logged, /"code":"ISO8583_ERR_UNHANDLED_REJECTION","fault":\{"type":"Error","message":"rejected: pan 411111\*{6}1111 track 411111\*{6}1111=\*{20}"/);
  assert.match(logged, /"code":"ISO8583_WARN_PROCESS_WARNING","fault":\{"type":"Warning","message":"warned: pan 411111\*{6}1111 /);
  assert.match(flow.stdout(), new RegExp(`^flow faultsgoon ${END}$`, 'm'));
  assert.doesNotMatch(flow.stdout(), /aborting/);
  assert.doesNotMatch(logged, /MaxListenersExceededWarning|\(node:\d+\)/, 'no raw line of Node');
});

test('iso8583 run – an uncaught exception of a sequence is logged masked, the flow stops gracefully: the request in flight is answered, exit 1', async (t) => {
  const bank = await startBank(approve);
  t.after(() => bank.close());
  const { flow, pos } = await flowOf('faultsstop', bank.port);
  const waiting = await PosClient.open(pos.host, pos.port);
  const inFlight = waiting.request(purchase('TERM0004', 900004, 100));
  const thrower = await PosClient.open(pos.host, pos.port);
  // The sequence throws for 900003 only once 900004 is in it (faults.mjs): the stop finds it in flight.
  assert.equal((await thrower.request(purchase('TERM0003', 900003, 100)))['39'], '00');
  assert.equal((await inFlight)['39'], '00', 'the other terminal\'s request in flight got its answer');
  const exit = await exitWithin(flow, 30_000, 'the flow stopped after the uncaught exception');
  await waiting.close();
  await thrower.close();
  assert.equal(exit.code, 1);
  const logged = flow.stdout() + flow.stderr();
  assert.match(flow.stdout(), new RegExp(`^flow faultsstop ${END}$`, 'm'));
  assert.match(logged, /ISO8583_ERR_UNCAUGHT_EXCEPTION/);
  assertNoCardData(logged);
});

test('iso8583 run – an uncaught exception during the operator\'s drain is logged, the drain goes on (no abort): the request in flight is answered, exit 1', async (t) => {
  const bank = await startBank(approve);
  t.after(() => bank.close());
  const { flow, pos } = await flowOf('faultsdrain', bank.port);
  const client = await PosClient.open(pos.host, pos.port);
  const inFlight = client.request(purchase('TERM0006', 900006, 100));
  await flow.waitForLine(/^sequence holds 900006$/);
  flow.kill('SIGTERM');
  assert.equal((await inFlight)['39'], '00', 'the request in flight got its answer');
  const exit = await exitWithin(flow, 30_000, 'the flow stopped after its drain');
  await client.close();
  assert.equal(exit.code, 1);
  const logged = flow.stdout() + flow.stderr();
  assert.match(logged, /"code":"ISO8583_ERR_UNCAUGHT_EXCEPTION","fault":\{"type":"Error","message":"thrown while draining: pan 411111\*{6}1111 /);
  assert.doesNotMatch(flow.stdout(), /aborting|aborted/, 'the drain was not turned into an abort');
  assert.match(flow.stdout(), new RegExp(`^flow faultsdrain ${END}$`, 'm'));
  assertNoCardData(logged);
});

test('iso8583 run – an uncaught exception that cannot be read (its stack getter throws) is logged as unreadable, the flow stops gracefully, exit 1', async (t) => {
  const bank = await startBank(approve);
  t.after(() => bank.close());
  const { flow, pos } = await flowOf('faultsunread', bank.port);
  const client = await PosClient.open(pos.host, pos.port);
  assert.equal((await client.request(purchase('TERM0007', 900007, 100)))['39'], '00');
  const exit = await exitWithin(flow, 30_000, 'the flow stopped after the unreadable exception');
  await client.close();
  assert.equal(exit.code, 1, 'a graceful stop (exit 1), not the raw exit 7 of a throwing fault listener');
  const logged = flow.stdout() + flow.stderr();
  assert.match(logged, /"code":"ISO8583_ERR_UNCAUGHT_EXCEPTION","fault":\{"type":"unreadable"\}/);
  assert.match(flow.stdout(), new RegExp(`^flow faultsunread ${END}$`, 'm'));
  assertNoCardData(logged);
});

test('iso8583 run – an uncaught exception after the stop ended is logged as such: the exit code the stop decided (0) stays, never "stopping gracefully (exit 1)" (sr68c #3)', async (t) => {
  // The sequence module throws (from a microtask, an uncaught exception) as the flow writes its end line: the stop has
  // ended (exit 0 decided) and the fault handler is still installed (it is removed once the line is written).
  writeFileSync(join(work, 'late-fault.mjs'), `const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  if (/^flow [a-z]+ stopped\\n$/.test(String(chunk))) queueMicrotask(() => { throw new Error('late: pan ${PAN}'); });
  return write(chunk, ...rest);
};
export default async function sequence(message) {
  return { 0: '0210', 11: message.fields['11'], 39: '00' };
}
`);
  const bank = await startBank(approve);
  t.after(() => bank.close());
  const { flow } = await startPosFlow(work, 'faultslate', bank.port, { sequence: join(work, 'late-fault.mjs') }, { logLevel: 'info' });
  flow.kill('SIGTERM');
  const exit = await exitWithin(flow, 30_000, 'the flow stopped');
  const logged = flow.stdout() + flow.stderr();
  assert.match(flow.stdout(), /^flow faultslate stopped$/m, logged);
  assert.match(logged, /"code":"ISO8583_ERR_UNCAUGHT_EXCEPTION","fault":\{"type":"Error","message":"late: pan 411111\*{6}1111"/);
  assert.match(logged, /"msg":"an uncaught exception after the stop decided the exit code \(it stays\)"/);
  assert.doesNotMatch(logged, /stopping gracefully \(exit 1\)/);
  assert.equal(exit.code, 0, logged);
  assertNoCardData(logged);
});

test('iso8583 run --check and run – a sequence module whose top level leaves a promise rejected: the fault is logged masked, never printed raw by Node; the check or start fails, exit 1 (fix68d #3)', async () => {
  // The rejection is told once the module's top level waits a turn of the event loop: the check is still running.
  writeFileSync(join(work, 'top-reject.mjs'), `Promise.reject(new Error('top level: pan ${PAN} track ${PAN}=30121010000012345678'));
await new Promise((resolve) => setImmediate(resolve));
export default async function sequence() { return { 0: '0210', 39: '00' }; }
`);
  const file = join(work, 'topreject.json');
  writeFileSync(file, JSON.stringify({
    name: 'topreject',
    connectors: { bank: { host: '127.0.0.1', port: 9, frame: 'binary2' } },
    inboundEndpoints: { pos: { port: 0, frame: 'binary2', sequence: join(work, 'top-reject.mjs') } },
    logLevel: 'warn',
  }));
  // The check, and the start (which loads the modules as the check does).
  for (const args of [['run', '--check', file], ['run', file]]) {
    const result = await runToEnd(args);
    const logged = result.stdout + result.stderr;
    assert.equal(result.code, 1, logged);
    assertNoCardData(logged);
    assert.match(result.stderr, /"code":"ISO8583_ERR_UNHANDLED_REJECTION","fault":\{"type":"Error","message":"top level: pan 411111\*{6}1111 /);
    assert.match(result.stderr, /^iso8583: ISO8583_ERR_FLOW_MODULE: a sequence module or the flow's start or check left a promise rejected/m);
    assert.doesNotMatch(result.stdout, /is valid|ready/);
  }
});

test('iso8583 run – a start that knows a sequence module faulted fails before anything opens: no connector connects, no endpoint listens (mend68d #2)', async () => {
  // A bank that counts the connections it is offered: the flow's connector must never connect.
  let offered = 0;
  const bank = createServer((socket) => {
    offered++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => bank.listen(0, '127.0.0.1', resolve));
  try {
    writeFileSync(join(work, 'top-reject-start.mjs'), `Promise.reject(new Error('top level: pan ${PAN}'));
await new Promise((resolve) => setImmediate(resolve));
export default async function sequence() { return { 0: '0210', 39: '00' }; }
`);
    const file = join(work, 'toprejectstart.json');
    const port = (bank.address() as AddressInfo).port;
    writeFileSync(file, JSON.stringify({
      name: 'toprejectstart',
      connectors: { bank: { host: '127.0.0.1', port, frame: 'binary2' } },
      inboundEndpoints: { pos: { port: 0, frame: 'binary2', sequence: join(work, 'top-reject-start.mjs') } },
      // At info, an endpoint that listens says so ('inbound endpoint listening'): the line must not come.
      logLevel: 'info',
    }));
    const result = await runToEnd(['run', file]);
    const logged = result.stdout + result.stderr;
    assert.equal(result.code, 1, logged);
    assertNoCardData(logged);
    assert.match(result.stderr, /^iso8583: ISO8583_ERR_FLOW_MODULE: /m);
    assert.doesNotMatch(logged, /listening/);
    assert.equal(offered, 0, logged);
  } finally {
    await new Promise((resolve) => bank.close(resolve));
  }
});
