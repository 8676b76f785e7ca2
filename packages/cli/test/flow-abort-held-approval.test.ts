// An abort of a flow (a second SIGTERM, `RunningFlow.abort()`) while its sequence holds the bank's approval and works
// on: the terminal's connection is cut, so the terminal never gets the approval, and it is reversed (client-gone),
// stored in the SAF journal before the connectors go. The connectors were closed in the same tick as the endpoints'
// destroy, before the book's `abandon`: the store was refused (CONNECTOR_CLOSED) and the approval "NOT reversed".
// Under load the endpoint's close (and so the book's `abandon`) could also end after the abort's wait for the clients
// (CLIENTS_CLOSE_WAIT) had passed and the connectors were destroyed: the same "NOT reversed". The test holds the
// endpoint's close until the bank's connector is destroyed (a gate, no sleep): the abort must have the book's
// reversals stored by then.
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

const HOOK = Symbol.for('iso8583.test.flow-abort-held-approval');

test('run abort – an approval the sequence holds when the flow is aborted is reversed (stored), never "NOT reversed"', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-abort-held-'));
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
  globalThis[Symbol.for('iso8583.test.flow-abort-held-approval')]();
  await new Promise(() => {});
}
`);
  const journalDir = join(dir, 'journal');
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({
    name: 'held',
    connectors: { bank: { host: '127.0.0.1', port: bankPort, reversal: { enabled: true, journalDir } } },
    inboundEndpoints: { pos: { port: 0, host: '127.0.0.1', sequence: join(dir, 'hang.mjs') } },
    shutdownDeadline: 60_000,
  }));
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString()); done(); } }));
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), logger);
  // The gate: the POS endpoint's destroy settles only once the bank's connector is destroyed (the race lost).
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const bankConnector = running.connectors.bank as { destroy: () => Promise<void> };
  const destroyBank = bankConnector.destroy.bind(bankConnector);
  bankConnector.destroy = () => destroyBank().finally(open);
  const pos = running.endpoints.pos as { destroy: (reason?: Error) => Promise<void> };
  const destroyPos = pos.destroy.bind(pos);
  pos.destroy = (reason) => destroyPos(reason).then(() => gate);
  const terminal = createConnector({ host: '127.0.0.1', port: running.inbound.pos?.port as number, requestTimeout: 60_000 });
  t.after(() => terminal.destroy());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: '000701', 12: '043000', 13: '1204', 41: 'TERM0001', 49: '840' };
  const answered = terminal.request(purchase).then(() => 'answered', (err: { code?: string }) => String(err.code));
  await within(holding, 10_000, 'the sequence never got the approval');
  await within(running.abort(), 30_000, 'the abort did not end');
  assert.notEqual(await answered, 'answered', 'the terminal never got the approval');
  logger.flush();
  const logged = lines.join('');
  assert.doesNotMatch(logged, /NOT reversed/);
  assert.match(logged, /an approval could not be delivered \(the client has gone\): reversed/);
  const stored = readdirSync(journalDir).map((f) => readFileSync(join(journalDir, f), 'latin1')).join('');
  assert.match(stored, /0400/, 'the reversal is in the journal');
  assert.doesNotMatch(logged, /4111111111111111/);
});
