/**
 * A sequence that fails while its bank request (given `context.signal`) is at the bank: the terminal is told 96 (or
 * onError's decline), so the bank must not keep the debit. The endpoint aborts `context.signal` as the sequence fails,
 * the connector stops awaiting the written request and reverses it. The whole chain on real sockets and files: a
 * terminal -> an inbound endpoint -> a connector with reversal on -> an inbound endpoint running the host simulator,
 * which holds the purchase until the terminal has its answer, and the reversal until the purchase is answered (gates,
 * no sleeps).
 */
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { createCodec, MessageStream } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '@iso8583/connector';
import { createHostSimulator, createInboundEndpoint } from '@iso8583/inbound';
import type { Sequence } from '@iso8583/inbound';
import { within } from '@iso8583/test-support';

const PAN = '4761739001010010';
const OPENING = 100_000;

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** One request from a terminal on a real socket; resolves with the decoded answer. */
async function terminalRequest(t: TestContext, port: number, fields: IsoMessage): Promise<IsoMessage> {
  const codec = createCodec('iso87ascii');
  const socket = connect({ host: '127.0.0.1', port });
  t.after(() => socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return new Promise<IsoMessage>((resolve, reject) => {
    const stream = new MessageStream(socket, { framing: {}, codec }, {
      frame: (frame) => resolve(codec.decode(Buffer.from(frame.payload)).message),
      broken: (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
    });
    stream.send(fields);
    stream.flush();
  });
}

interface Chain {
  readonly answer: IsoMessage;
  readonly balance: () => number | undefined;
  /** Resolves once the bank has answered a reversal of the purchase. */
  readonly reversed: Promise<void>;
}

async function chain(t: TestContext, onError: Sequence | undefined): Promise<Chain> {
  const simulator = createHostSimulator({ cards: { [PAN]: { balance: OPENING } } });
  const atBank = gate();
  const terminalAnswered = gate();
  const reversed = gate();
  const purchaseAnswered = gate();
  // The bank holds the purchase until the terminal has its answer, and a reversal until the purchase is answered (so
  // that it finds the debit to undo, whichever of the two the connection brings first).
  const bankSequence: Sequence = async (message, context) => {
    if (message.mti === '0200') {
      atBank.open();
      await terminalAnswered.promise;
    }
    if (message.mti.startsWith('04')) await purchaseAnswered.promise;
    const answer = await simulator(message, context);
    if (message.mti === '0200') purchaseAnswered.open();
    if (message.mti.startsWith('04')) reversed.open();
    return answer;
  };
  const bankEndpoint = createInboundEndpoint({ port: 0, sequence: bankSequence, sequenceTimeout: 10_000 });
  const { port: bankPort } = await bankEndpoint.start();
  const dir = mkdtempSync(join(tmpdir(), 'inbound-failed-reversal-'));
  const bank = createConnector({
    name: 'bank', host: '127.0.0.1', port: bankPort, requestTimeout: 10_000,
    reversal: { enabled: true, journalDir: dir, retryInterval: 100 },
  });
  const sequence: Sequence = async (message, context) => {
    const toBank = bank.request({ ...message.fields }, { signal: context.signal });
    // Another step of the sequence fails while the bank holds the purchase.
    const otherCheck = atBank.promise.then(() => {
      throw new Error('fraud service unavailable');
    });
    const [answer] = await Promise.all([toBank, otherCheck]);
    return answer;
  };
  const endpoint = createInboundEndpoint({ port: 0, sequence, sequenceTimeout: 10_000, connectors: { bank }, ...(onError === undefined ? {} : { onError }) });
  const { port } = await endpoint.start();
  // One hook, in order: the journal folder goes last, once nothing writes to it.
  t.after(async () => {
    await endpoint.close();
    await bank.destroy();
    await bankEndpoint.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const answer = await within(
    terminalRequest(t, port, { 0: '0200', 2: PAN, 3: '000000', 4: '000000002500', 7: '1205120000', 11: '000123', 41: 'TERM0001', 49: '840' }),
    10_000,
    'the terminal got no answer',
  );
  terminalAnswered.open();
  return { answer, balance: () => simulator.balanceOf(PAN), reversed: reversed.promise };
}

for (const [label, onError, code] of [
  ['no onError: the terminal is told 96', undefined, '96'],
  ['an onError declining 91', ((m) => ({ ...m.fields, 0: '0210', 39: '91' })) as Sequence, '91'],
] as const) {
  test(`a sequence that fails while its bank request is at the bank (${label}): the bank's debit is reversed`, async (t) => {
    const { answer, balance, reversed } = await chain(t, onError);
    assert.equal(answer['39'], code);
    // The purchase reaches the bank (approved, debited) and its reversal follows: the terminal and the bank agree.
    await within(reversed, 10_000, `no reversal reached the bank: the cardholder's balance there is ${String(balance())}, the terminal was told ${code}`);
    assert.equal(balance(), OPENING);
  });
}
