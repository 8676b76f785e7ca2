/**
 * The example Fastify app in front of a bank that answers a purchase only when the test says (its client has had an
 * answer, or has gone): gates, no delays. Shared by the examples' tests of late and undelivered approvals.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCodec, encodeFrame } from '@iso8583/codec';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';
import { isReversalOf, within } from '@iso8583/test-support';
import { buildApp } from '../fastify-app.js';

/** A journal folder for the example app's connector (its test removes it once the app is closed). */
export function journalFolder(): string {
  return mkdtempSync(join(tmpdir(), 'examples-journal-'));
}

/** A promise the test opens (`open`), once. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** The card of the late-bank tests (a test card number), opened at the simulator's default balance, 1000000. */
export const LATE_PAN = '5500000000000004';

/** The example app in front of a bank that answers a purchase only once its client has an answer. */
export interface LateBankApp {
  readonly app: Awaited<ReturnType<typeof buildApp>>;
  /** The app's journal folder (removed after the test). */
  readonly journalDir: string;
  /** Tells the bank the client has its answer: the purchase is then answered (approved, late). */
  readonly clientAnswered: () => void;
  /** Resolves once the bank has the purchase (not answered yet). */
  readonly purchaseReceived: Promise<void>;
  /** Resolves once the bank has answered a reversal of the purchase (STAN `stan`). */
  readonly reversed: Promise<void>;
  /** How many reversals of the purchase (0400, its repeats 0401) the bank has received. */
  readonly reversals: () => number;
  /** The card's balance at the bank. */
  readonly balance: () => number | undefined;
}

/**
 * The example app (requestTimeout 300 ms unless said, a journal folder of its own) against a host simulator that holds the purchase
 * until its client has an answer (the connector's requestTimeout passed), and a reversal until the purchase is
 * answered, so that it finds the debit to undo: gates, no delays. Closed after the test.
 */
export async function lateBankApp(t: { after(fn: () => unknown): void }, stan: string, requestTimeout = 300): Promise<LateBankApp> {
  const simulator = createHostSimulator();
  const purchaseReceived = gate();
  const clientAnswered = gate();
  const purchaseAnswered = gate();
  const reversed = gate();
  let reversals = 0;
  const sequence: Sequence = async (message, context) => {
    if (message.mti === '0200') purchaseReceived.open();
    if (message.mti === '0200') await clientAnswered.promise;
    if (isReversalOf(stan)(message.fields)) reversals++;
    if (message.mti.startsWith('04')) await purchaseAnswered.promise;
    const answer = await simulator(message, context);
    if (message.mti === '0200') purchaseAnswered.open();
    if (isReversalOf(stan)(message.fields)) reversed.open();
    return answer;
  };
  const lateBank = createInboundEndpoint({ name: 'late-bank', port: 0, sequence });
  const port = (await lateBank.start()).port;
  const journalDir = journalFolder();
  const app = await buildApp({ bankPort: port, journalDir, requestTimeout });
  // One hook, in order: the app, the bank, then the journal folder once nothing writes to it.
  t.after(async () => {
    clientAnswered.open();
    purchaseAnswered.open();
    await app.close();
    await lateBank.close({ deadline: 1000 });
    rmSync(journalDir, { recursive: true, force: true });
  });
  return {
    app,
    journalDir,
    purchaseReceived: purchaseReceived.promise,
    clientAnswered: clientAnswered.open,
    reversed: reversed.promise,
    reversals: () => reversals,
    balance: () => simulator.balanceOf(LATE_PAN),
  };
}

/**
 * A POS terminal (a raw socket, destroyed after the test) on the ready app's endpoint that has sent the purchase of
 * STAN `stan` from terminal `terminal`, once the bank has it; the bank approves it once the endpoint has seen this
 * terminal's socket close (the test resets it: `resetAndDestroy`, the endpoint's side closes at once).
 */
export async function posPurchaseAtBank(t: { after(fn: () => unknown): void }, late: LateBankApp, stan: number, terminal: string): Promise<Socket> {
  const pos = late.app.inbound.pos;
  const posPort = pos?.address()?.port;
  assert.ok(pos !== undefined && posPort !== undefined && posPort > 0);
  pos.once('disconnect', () => late.clientAnswered());
  const socket = connect({ host: '127.0.0.1', port: posPort });
  t.after(() => socket.destroy());
  await once(socket, 'connect');
  const purchase = { '0': '0200', '2': LATE_PAN, '3': '000000', '4': 2500, '11': stan, '14': '3012', '41': terminal, '49': '840' };
  socket.write(encodeFrame(createCodec('iso87ascii').pack(purchase), { lengthHeader: 'binary2' }));
  await within(late.purchaseReceived, 10_000, 'the bank never got the purchase');
  return socket;
}

/**
 * A POST /bank/ of the purchase of STAN `stan` from terminal `terminal` to the app (listening on a port of its own
 * now), once the bank has it; the bank approves it once the server has seen the client's connection close (`abort`).
 * `res` rejects with an `AbortError` once aborted.
 */
export async function httpPurchaseAtBank(late: LateBankApp, stan: string, terminal: string): Promise<{ res: Promise<Response>; abort: () => void }> {
  await late.app.listen({ host: '127.0.0.1', port: 0 });
  const address = late.app.server.address() as { port: number };
  late.app.server.once('connection', (socket: Socket) => socket.once('close', () => late.clientAnswered()));
  const aborted = new AbortController();
  const res = fetch(`http://127.0.0.1:${address.port}/bank/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ '0': '0200', '2': LATE_PAN, '3': '000000', '4': '2500', '11': stan, '14': '3012', '41': terminal, '49': '840' }),
    signal: aborted.signal,
  });
  await within(late.purchaseReceived, 10_000, 'the bank never got the purchase');
  return { res, abort: () => aborted.abort() };
}
