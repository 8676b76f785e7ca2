/**
 * The example Fastify app in front of a bank that answers a purchase only when the test says (its client has had an
 * answer, or has gone): gates, no delays. Shared by the examples' tests of late and undelivered approvals.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';
import { isReversalOf } from '@iso8583/test-support';
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
