// A graceful stop of a flow (SIGTERM, `RunningFlow.close()`) past its deadline while its sequence holds the bank's
// approval: the endpoint's close gives the sequence up (its terminal's connection cut: the approval never reaches it),
// and its book's `abandon` reverses it once that close has settled. When the close outlasts the stop's own deadline (a
// busy machine), the connectors were destroyed first and the store refused: "NOT reversed". The test holds the
// endpoint's close until the bank's connector is destroyed (a gate, no sleep).
// Real sockets (the host simulator as the bank, a terminal's connector), a real journal folder, the flow in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { loadFlow, startFlow } from '../src/index.js';

const HOOK = Symbol.for('iso8583.test.flow-stop-deadline-held-approval');

test('run stop past its deadline – an approval the sequence holds is reversed (stored) before the connectors are destroyed', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-stop-held-'));
  const bank = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
  const bankPort = (await bank.start()).port;
  t.after(() => bank.close());
  let held: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => (held = resolve));
  (globalThis as Record<symbol, unknown>)[HOOK] = held;
  t.after(() => delete (globalThis as Record<symbol, unknown>)[HOOK]);
  // The approval, then a step that never ends (and does not watch its signal).
  writeFileSync(join(dir, 'hang.mjs'), `export default async function hang(message, context) {
  await context.connectors.bank.request({ ...message.fields });
  globalThis[Symbol.for('iso8583.test.flow-stop-deadline-held-approval')]();
  await new Promise(() => {});
}
`);
  const journalDir = join(dir, 'journal');
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({
    name: 'held',
    connectors: { bank: { host: '127.0.0.1', port: bankPort, reversal: { enabled: true, journalDir } } },
    inboundEndpoints: { pos: { port: 0, host: '127.0.0.1', sequence: join(dir, 'hang.mjs') } },
    shutdownDeadline: 300,
  }));
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString()); done(); } }));
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), logger);
  // The gate: the POS endpoint's close settles only once the bank's connector is destroyed (the race lost).
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const bankConnector = running.connectors.bank as { destroy: () => Promise<void> };
  const destroyBank = bankConnector.destroy.bind(bankConnector);
  bankConnector.destroy = () => destroyBank().finally(open);
  const pos = running.endpoints.pos as { close: (options?: { deadline?: number }) => Promise<void> };
  const closePos = pos.close.bind(pos);
  pos.close = (options) => closePos(options).then(() => gate);
  const terminal = createConnector({ host: '127.0.0.1', port: running.inbound.pos?.port as number, requestTimeout: 60_000 });
  t.after(() => terminal.destroy());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: '000701', 12: '043000', 13: '1204', 41: 'TERM0001', 49: '840' };
  const answered = terminal.request(purchase).then(() => 'answered', (err: { code?: string }) => String(err.code));
  await within(holding, 10_000, 'the sequence never got the approval');
  const stopped = await within(running.close().then(() => 'stopped', (err: { code?: string }) => String(err.code)), 30_000, 'the stop did not end');
  assert.equal(stopped, 'stopped', 'nothing was left unreversed');
  assert.notEqual(await answered, 'answered', 'the terminal never got the approval');
  logger.flush();
  const logged = lines.join('');
  assert.doesNotMatch(logged, /NOT reversed/);
  assert.match(logged, /an approval could not be delivered \(the client has gone\): reversed/);
  const stored = readdirSync(journalDir).map((f) => readFileSync(join(journalDir, f), 'latin1')).join('');
  assert.match(stored, /0400/, 'the reversal is in the journal');
  assert.doesNotMatch(logged, /4111111111111111/);
});
