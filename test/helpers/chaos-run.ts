/**
 * A chaos run: the real `iso8583 gateway` between POS terminals (chaos-pos.ts) and a bank that keeps books
 * (ledger-host.ts), killed with SIGKILL at points a seeded generator picks among events (the bank received an
 * original, the bank just wrote an approval, a terminal read an answer, a reversal reached the bank), at once or a few
 * milliseconds after, and started again on the same journal; a last round runs to its end and stops the gateway with
 * SIGTERM, which sends what the SAF queue still holds; then the auditor (chaos-audit.ts) reconciles the books.
 */
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import { exitWithin, logLine, startGateway } from './cli.js';
import type { CliProcess } from './cli.js';
import { audit } from './chaos-audit.js';
import { journalWords } from './chaos-journal.js';
import type { Audit } from './chaos-audit.js';
import { PosBooks, PosFleet } from './chaos-pos.js';
import { seeded, startLedgerHost } from './ledger-host.js';
import type { LedgerHost } from './ledger-host.js';

/** Where a round's SIGKILL falls. */
export type KillPoint = 'bank-received' | 'bank-approved' | 'pos-answered' | 'bank-reversal';

/** How a chaos run goes. */
export interface ChaosOptions {
  seed: number;
  /** Rounds ended by SIGKILL (a last round then ends with SIGTERM). */
  kills: number;
  /** The journal folder (a temporary one of the test). */
  journal: string;
  /** Terminals (connections), default 3. */
  terminals?: number;
  /** Lanes (purchases in flight) per terminal, default 2. */
  lanes?: number;
  /** Purchases each lane of the last round sends, default 4. */
  lastRound?: number;
  /** Called with a line for the test's output (the seed, each kill). */
  say(line: string): void;
}

/** What a run found. */
export interface ChaosResult extends Audit {
  kills: string[];
  gatewayLogs: string;
}

/** The gateway's flags: its journal, a short request timeout (silent bank: 68 and a reversal) and SAF interval. */
function flags(options: ChaosOptions, host: LedgerHost): string[] {
  return ['--upstream', `127.0.0.1:${host.bank.port}`, '--reversal-journal', options.journal,
    '--request-timeout', '500', '--saf-retry-interval', '250', '--shutdown-deadline', '15000', '--log-level', 'info'];
}

/**
 * Arms the kill of `gateway` at the `nth` event of kind `point` (a `bank-reversal` round with no reversal falls back
 * to the bank's `3 x nth` original), after `delayMs` (0: in the event's own turn). Resolves with a description once
 * the process has exited.
 */
function armKill(gateway: CliProcess, host: LedgerHost, books: PosBooks, fleet: { stop(): void } | undefined, point: KillPoint, nth: number, delayMs: number): { killed: Promise<string>; fleetReady(f: { stop(): void }): void } {
  let count = 0;
  let fallback = 0;
  let fired = false;
  let stopper = fleet;
  let resolveFired: (what: string) => void = () => undefined;
  const firedAt = new Promise<string>((resolve) => {
    resolveFired = resolve;
  });
  const fire = (what: string): void => {
    if (fired) return;
    fired = true;
    stopper?.stop();
    const kill = (): void => gateway.kill('SIGKILL');
    if (delayMs === 0) kill();
    else setTimeout(kill, delayMs);
    resolveFired(`${what}${delayMs === 0 ? '' : ` + ${delayMs} ms`}`);
  };
  const step = (kind: KillPoint): void => {
    if (kind === point && ++count === nth) fire(`${point} #${nth}`);
  };
  host.hooks = {
    received: () => {
      step('bank-received');
      if (point === 'bank-reversal' && ++fallback === 3 * nth) fire(`bank-reversal (none came: bank-received #${3 * nth})`);
    },
    approved: () => step('bank-approved'),
    reversal: () => step('bank-reversal'),
  };
  books.onAnswer = () => step('pos-answered');
  const killed = firedAt.then(async (what) => {
    await exitWithin(gateway, 30_000, `the gateway killed at ${what}`);
    return what;
  });
  return { killed, fleetReady: (f) => { stopper = f; } };
}

/** Runs the rounds, drains the SAF queue with a SIGTERM stop, and audits the books. */
export async function chaosRun(options: ChaosOptions): Promise<ChaosResult> {
  const random = seeded(options.seed);
  const host = await startLedgerHost(options.seed, { approve: 0.75, silent: 0.1 });
  const books = new PosBooks();
  const terminals = Array.from({ length: options.terminals ?? 3 }, (_, i) => `TERM${String(i + 1).padStart(4, '0')}`);
  const lanes = options.lanes ?? 2;
  const kills: string[] = [];
  const answeredOnDisk = new Set<string>();
  let logs = '';
  const points: KillPoint[] = ['bank-received', 'bank-approved', 'pos-answered', 'bank-reversal'];
  try {
    // Each kind of point in turn, in an order the seed shuffles: a short run still kills at different kinds.
    for (let i = points.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [points[i], points[j]] = [points[j] as KillPoint, points[i] as KillPoint];
    }
    for (let round = 0; round < options.kills; round++) {
      const point = points[round % points.length] as KillPoint;
      const nth = 1 + Math.floor(random() * 6);
      const delayMs = random() < 0.5 ? 0 : 1 + Math.floor(random() * 20);
      const t0 = performance.now();
      const gateway = await startGateway(flags(options, host));
      const t1 = performance.now();
      const armed = armKill(gateway.process, host, books, undefined, point, nth, delayMs);
      const fleet = await PosFleet.start(books, gateway.pos, terminals, lanes);
      armed.fleetReady(fleet);
      const what = await armed.killed;
      kills.push(what);
      // What the killed process's journal recorded, before the next start compacts it away.
      for (const [key, word] of journalWords(options.journal)) if (word === 'not-needed') answeredOnDisk.add(key);
      options.say(`round ${round + 1}: SIGKILL at ${what} (start ${Math.round(t1 - t0)} ms, then ${Math.round(performance.now() - t1)} ms)`);
      await eventWithin(30_000, () => 'the terminals still wait for answers from a killed gateway', (resolve) => void fleet.ended().then(resolve));
      await fleet.close();
      host.hooks = {};
      books.onAnswer = undefined;
      logs += gateway.process.stderr();
    }
    // The last round: the gateway reads the journal, sends what the killed ones left, serves a few purchases, and its
    // SIGTERM stop sends what its SAF queue still holds (a first attempt the bank drops is repeated meanwhile).
    const t0 = performance.now();
    const gateway = await startGateway(flags(options, host));
    const t1 = performance.now();
    const fleet = await PosFleet.start(books, gateway.pos, terminals, lanes, options.lastRound ?? 4);
    await fleet.ended();
    const t2 = performance.now();
    assert.equal(fleet.strays(), 0, 'every answer matched a request of its connection');
    await fleet.close();
    gateway.process.kill('SIGTERM');
    const exit = await exitWithin(gateway.process, 40_000, 'the last gateway stopping');
    logs += gateway.process.stderr();
    options.say(`last round: start ${Math.round(t1 - t0)} ms, purchases ${Math.round(t2 - t1)} ms, SIGTERM stop ${Math.round(performance.now() - t2)} ms`);
    assert.equal(exit.code, 0, `the last gateway stops cleanly: ${gateway.process.stderr().slice(-1500)}`);
    assert.deepEqual(logLine(gateway.process.stderr(), 'gateway stopped').safLeft, { reversals: 0, advices: 0 }, 'the SAF queue drained');
    return { ...audit(host.ledger, books.records, answeredOnDisk), kills, gatewayLogs: logs };
  } finally {
    await host.close();
  }
}
