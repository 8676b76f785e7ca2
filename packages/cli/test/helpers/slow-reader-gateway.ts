// What the gateway and flow tests of a terminal slow to read at an abort or a stop past its deadline share: a bank on
// 127.0.0.1 that approves every purchase at once (a long field 48, so the replies fill the terminal's socket sooner)
// and never answers a reversal (so each stays in the journal),
// the gateway (or a flow) in this process with its journal folder, a raw terminal that sends purchases and never
// reads until the endpoint finds it slow to read, and the checks that every approval it never got was reversed (stored), never
// "NOT reversed", with no card number in the log.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import { MessageStream, createCodec, encodeFrame, responseMti } from '@iso8583/codec';
import { capturedLogger, tempFolder, within } from '@iso8583/test-support';
import { ABORT_CLOSE_WAIT, ABORT_LINE_WAIT } from '../../src/drain.js';
import { parseGatewayArgs } from '../../src/gateway/config.js';
import { startGateway } from '../../src/gateway/gateway.js';
import type { Gateway } from '../../src/gateway/gateway.js';

const codec = createCodec('iso87ascii');

/** How the book's lines of an approval the terminal never got begin (undelivered-approval.ts `WHY`). */
const GONE = 'an approval could not be delivered (the client has gone)';

/** What a slow-reader test shares before its gateway or flow starts: the bank, the log and its events, the checks. */
export interface SlowReaderParts {
  /** The test's folder (removed after it). */
  readonly dir: string;
  /** The bank's port on 127.0.0.1. */
  readonly bankPort: number;
  /** The journal folder to give the gateway or flow (`dir/journal`). */
  readonly journalDir: string;
  /** The logger to give the gateway or flow. */
  readonly logger: ReturnType<typeof capturedLogger>['logger'];
  /** Settles once the first approval reported undelivered has its outcome (stored, sent, or "NOT reversed"). */
  readonly firstOutcome: Promise<void>;
  /** Settles once the POS endpoint's close has begun (its line `inbound endpoint closing`). */
  readonly endpointClosing: Promise<void>;
  /** Connects the terminal to `port` and sends purchases, never reading, until the endpoint finds it slow to read. */
  fillTerminal(port: number): Promise<void>;
  /** The log as written so far. */
  logged(): string;
  /**
   * Every approval the terminal never got reversed and stored: as many approvals reported undelivered as "reversed" lines
   * and as 0400 entries in the journal; none "NOT reversed", no PAN.
   */
  assertReversed(): void;
}

/** Starts the bank and the log (folder prefix `prefix`); the bank is stopped and the folder removed after the test. */
export async function slowReaderParts(t: { after(fn: () => unknown): void }, prefix: string): Promise<SlowReaderParts> {
  const dir = tempFolder(t, prefix);
  const sockets = new Set<Socket>();
  const bank = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const stream: MessageStream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (f) => {
        const m = stream.decode(f).message;
        // Reversals are never answered: each stays owed in the journal, where assertReversed finds it. A bank that
        // approved them let the SAF send them, have them answered and the journal compact them away before the check
        // (a fresh-clone run found the journal blank).
        if (String(m['0']).startsWith('04')) return;
        stream.send({ ...m, 0: responseMti(String(m['0'])) ?? '0000', 38: 'A00001', 39: '00', 48: 'X'.repeat(900) });
      },
    });
  });
  await new Promise<void>((resolve) => bank.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => bank.close(() => resolve()));
  });
  let paused: () => void = () => undefined;
  const readingPaused = new Promise<void>((resolve) => (paused = resolve));
  let ended: () => void = () => undefined;
  const firstOutcome = new Promise<void>((resolve) => (ended = resolve));
  let closingBegun: () => void = () => undefined;
  const endpointClosing = new Promise<void>((resolve) => (closingBegun = resolve));
  const { logger, lines, text } = capturedLogger('debug', (line) => {
    const msg = String(line.msg);
    if (msg.includes('the client is not reading its replies')) paused();
    if (msg === 'inbound endpoint closing') closingBegun();
    if (/^an approval could not be delivered .*(: reversed|reversed without SAF|NOT reversed)$/.test(msg)) ended();
  });
  const journalDir = join(dir, 'journal');
  const fillTerminal = async (port: number): Promise<void> => {
    const terminal = connect(port, '127.0.0.1');
    t.after(() => void terminal.destroy());
    terminal.on('error', () => undefined);
    await within(once(terminal, 'connect'), 10_000, 'the terminal did not connect');
    terminal.pause();
    let stan = 0;
    let full = false;
    void readingPaused.then(() => (full = true));
    while (!full && stan < 20_000) {
      const batch: Buffer[] = [];
      for (let i = 0; i < 50; i++) {
        stan++;
        batch.push(encodeFrame(codec.pack({ 0: '0200', 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: String(stan).padStart(6, '0'), 41: 'TERM0001', 49: '840' })));
      }
      terminal.write(Buffer.concat(batch));
      await Promise.race([readingPaused, new Promise<void>((resolve) => setImmediate(resolve))]);
    }
    await within(readingPaused, 30_000, 'the endpoint never found its terminal slow to read');
  };
  const logged = (): string => {
    logger.flush();
    return text();
  };
  return {
    dir,
    bankPort: (bank.address() as AddressInfo).port,
    journalDir,
    logger,
    firstOutcome,
    endpointClosing,
    fillTerminal,
    logged,
    assertReversed: () => {
      const log = logged();
      assert.doesNotMatch(log, /NOT reversed/);
      // Counted, not only seen (fix68c #2): every approval reported undelivered (its STAN, once) has one "reversed" line
      // and one 0400 in the journal, none fewer, none more.
      const undelivered = new Set(lines.filter((l) => String(l.msg).startsWith(GONE)).map((l) => String(l.stan)));
      const reversed = lines.filter((l) => l.msg === `${GONE}: reversed`).map((l) => String(l.stan));
      const stored = readdirSync(journalDir).map((f) => readFileSync(join(journalDir, f), 'latin1')).join('');
      // Each 0400 added, by its id (a compaction's copy of a record is the same entry); never assert.match on the text:
      // its failure would print the whole preallocated journal (4 MiB of blank lines).
      const ids = new Set([...stored.matchAll(/^\{"op":"add","id":("[^"]*"),"reversal":\{"0":"0400"/gm)].map((m) => m[1]));
      assert.ok(undelivered.size > 0, 'some approvals were reported undelivered');
      assert.equal(reversed.length, undelivered.size, `each approval reported undelivered is reversed once (${reversed.length} reversed of ${undelivered.size})`);
      assert.equal(new Set(reversed).size, reversed.length, 'no approval reversed twice');
      assert.equal(ids.size, undelivered.size, `the journal holds one 0400 each (${ids.size} for ${undelivered.size} approvals)`);
      assert.doesNotMatch(log, /4111111111111111/);
    },
  };
}

/** The gateway, its journal folder, the first undelivered approval's outcome, the terminal's fill, and the checks. */
export interface SlowReaderGateway extends Omit<SlowReaderParts, 'fillTerminal'> {
  readonly gateway: Gateway;
  /** Connects the terminal and sends purchases, never reading, until the gateway finds it slow to read. */
  fillTerminal(): Promise<void>;
  /** The test stops the gateway itself from now on (else its `after` hook aborts it). */
  stopping(): void;
}

/**
 * Starts the bank and the gateway (folder prefix `prefix`; its HTTP flags `http`, default `--http 0`: `['--no-http']`
 * for a gateway with HTTP off); everything is stopped and removed after the test.
 */
export async function slowReaderGateway(t: { after(fn: () => unknown): void }, prefix: string, http: readonly string[] = ['--http', '0']): Promise<SlowReaderGateway> {
  const parts = await slowReaderParts(t, prefix);
  const { config } = parseGatewayArgs([
    '--upstream', `127.0.0.1:${parts.bankPort}`, '--listen', '0', '--bind', '127.0.0.1', ...http,
    '--no-transaction-log', '--reversal-journal', parts.journalDir,
  ]);
  const gateway = await startGateway(config, { logger: parts.logger });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await gateway.abort();
  });
  return {
    ...parts,
    gateway,
    fillTerminal: () => parts.fillTerminal(gateway.addresses.pos.port),
    stopping: () => void (stopped = true),
  };
}

/**
 * How late (ms) at most {@link holdCut} starts the endpoint's destroy: past the abort's old bounds (500 ms for the
 * clients' close, 800 ms for its end line), inside its bound for that close now (`ABORT_CLOSE_WAIT`).
 */
export const CUT_LATE = ABORT_LINE_WAIT + 10;

/**
 * Holds the destroy of `endpoint` (the abort's cut, whose connection reports the approvals it could not deliver as it
 * closes), as a machine starved of CPU had those reports come late: until one of `connectors` begins its destroy (the
 * old abort, which destroyed them at 500 ms whatever the close: every report then "NOT reversed"), or {@link CUT_LATE}
 * ms have passed (a timer made after the abort's own, so after its old bounds for certain and before ABORT_CLOSE_WAIT:
 * the timers order it, not a sleep). Returns the cut: rejects if the endpoint was never destroyed.
 */
export function holdCut(endpoint: { destroy(reason?: Error): Promise<void> }, connectors: readonly { destroy(): Promise<void> }[]): () => Promise<void> {
  assert.ok(CUT_LATE < ABORT_CLOSE_WAIT, 'the late cut comes within the abort\'s bound for the close');
  let destroyBegun: () => void = () => undefined;
  const connectorGone = new Promise<void>((resolve) => (destroyBegun = resolve));
  for (const c of connectors) {
    const destroyConnector = c.destroy.bind(c);
    c.destroy = () => {
      destroyBegun();
      return destroyConnector();
    };
  }
  const destroy = endpoint.destroy.bind(endpoint);
  let cut: Promise<void> | undefined;
  endpoint.destroy = (reason) => {
    cut ??= new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CUT_LATE);
      void connectorGone.then(() => {
        clearTimeout(timer);
        resolve();
      });
    }).then(() => destroy(reason));
    return cut;
  };
  return () => cut ?? Promise.reject(new Error('the endpoint was not cut'));
}
