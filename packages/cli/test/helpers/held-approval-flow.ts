// A flow whose sequence holds the bank's approval and never ends, for the tests of a stop that must reverse it
// (flow-abort-held-approval, flow-stop-deadline-held-approval): the host simulator as the bank, a real journal folder,
// the flow in-process, a terminal's connector that sent the purchase; the endpoint's `destroy` or `close` (`gated`)
// settles only once the bank's connector is destroyed (the race the stop must not lose: a gate, no sleep).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';
import { loadFlow, startFlow } from '../../src/index.js';

/** The flow holding the approval, and how the terminal's request ended (`'answered'` or its error code). */
export interface HeldApproval {
  readonly running: Awaited<ReturnType<typeof startFlow>>;
  readonly answered: Promise<string>;
  /** Asserts the approval was reversed and stored once, never "NOT reversed", with no card number logged. */
  reversedAndStored(): void;
}

/** Starts the flow (`shutdownDeadline` ms), sends the purchase, and resolves once its sequence holds the approval. */
export async function heldApprovalFlow(t: TestContext, name: string, shutdownDeadline: number, gated: 'destroy' | 'close'): Promise<HeldApproval> {
  const hook = `iso8583.test.${name}`;
  const dir = mkdtempSync(join(tmpdir(), `iso8583-${name}-`));
  const bank = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator() });
  const bankPort = (await bank.start()).port;
  t.after(() => bank.close());
  let held: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => (held = resolve));
  (globalThis as Record<symbol, unknown>)[Symbol.for(hook)] = held;
  t.after(() => delete (globalThis as Record<symbol, unknown>)[Symbol.for(hook)]);
  // The approval, then a step that never ends (and does not watch its signal).
  writeFileSync(join(dir, 'hang.mjs'), `export default async function hang(message, context) {
  await context.connectors.bank.request({ ...message.fields });
  globalThis[Symbol.for(${JSON.stringify(hook)})]();
  await new Promise(() => {});
}
`);
  const journalDir = join(dir, 'journal');
  writeFileSync(join(dir, 'flow.json'), JSON.stringify({
    name: 'held',
    connectors: { bank: { host: '127.0.0.1', port: bankPort, reversal: { enabled: true, journalDir } } },
    inboundEndpoints: { pos: { port: 0, host: '127.0.0.1', sequence: join(dir, 'hang.mjs') } },
    shutdownDeadline,
  }));
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(chunk.toString()); done(); } }));
  const running = await startFlow(loadFlow(join(dir, 'flow.json')), logger);
  // The gate: the POS endpoint's destroy or close settles only once the bank's connector is destroyed (the race lost).
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const bankConnector = running.connectors.bank as { destroy: () => Promise<void> };
  const destroyBank = bankConnector.destroy.bind(bankConnector);
  bankConnector.destroy = () => destroyBank().finally(open);
  const pos = running.endpoints.pos as unknown as Record<'destroy' | 'close', (arg?: unknown) => Promise<void>>;
  const settle = pos[gated].bind(pos);
  pos[gated] = (arg) => settle(arg).then(() => gate);
  const terminal = createConnector({ host: '127.0.0.1', port: running.inbound.pos?.port as number, requestTimeout: 60_000 });
  t.after(() => terminal.destroy());
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const purchase: IsoMessage = { 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 7: '1204043000', 11: '000701', 12: '043000', 13: '1204', 41: 'TERM0001', 49: '840' };
  const answered = terminal.request(purchase).then(() => 'answered', (err: { code?: string }) => String(err.code));
  await within(holding, 10_000, 'the sequence never got the approval');
  return {
    running,
    answered,
    reversedAndStored: () => {
      logger.flush();
      const logged = lines.join('');
      assert.doesNotMatch(logged, /NOT reversed/);
      assert.match(logged, /an approval could not be delivered \(the client has gone\): reversed/);
      const stored = readdirSync(journalDir).map((f) => readFileSync(join(journalDir, f), 'latin1')).join('');
      assert.match(stored, /0400/, 'the reversal is in the journal');
      assert.doesNotMatch(logged, /4111111111111111/);
    },
  };
}
