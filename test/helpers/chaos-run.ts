/**
 * A chaos run: the real `iso8583 gateway` between POS terminals (chaos-pos.ts) and a bank that keeps books
 * (ledger-host.ts), killed with SIGKILL at points a seeded generator picks among events (the bank received an
 * original, the bank just wrote an approval, a terminal read an answer, a reversal reached the bank), at once or a few
 * milliseconds after, and started again on the same store; a last round runs to its end, the store's SAF entries
 * drain, and the gateways stop with SIGTERM; then the auditor (chaos-audit.ts) reconciles the books. With a store of
 * two nodes (PostgreSQL), node A is the one killed and node B serves terminals of its own throughout.
 */
import assert from 'node:assert/strict';
import { eventWithin } from '@iso8583/test-support';
import { exitWithin, logLine, startGateway } from './cli.js';
import type { CliProcess, GatewayAddresses } from './cli.js';
import { audit, auditAfterTerminals } from './chaos-audit.js';
import type { Audit } from './chaos-audit.js';
import { PosBooks, PosFleet, terminalReversals } from './chaos-pos.js';
import { seeded, startLedgerHost } from './ledger-host.js';
import type { LedgerHost } from './ledger-host.js';
import type { JournalWord } from './chaos-journal.js';

/** Where a round's SIGKILL falls. */
export type KillPoint = 'bank-received' | 'bank-approved' | 'pos-answered' | 'bank-reversal';

/** Where the gateways keep their reversals, and how the auditor reads it. */
export interface ChaosStore {
  /** Flags of node `node` (`a`, the one killed, or `b`, the steady one) besides the bank and the timings. */
  flags(node: 'a' | 'b'): string[];
  /** A second node on the same store that serves terminals of its own and is never killed. */
  twoNodes: boolean;
  /**
   * What the store says of each transaction once the killed node A can write nothing more to it (read after a kill,
   * before a start compacts it): a file journal as the exit left it; PostgreSQL once A's sessions have ended (a
   * statement A had sent may still commit after its exit).
   */
  words(): Promise<Map<string, JournalWord>>;
  /**
   * Resolves once no SAF entry is left undone (a two-node store: taken over and sent by a live node); `http` are the
   * HTTP addresses of the nodes running (their `GET /stats`).
   */
  drained(http: { host: string; port: number }[]): Promise<void>;
}

/** How a chaos run goes. */
export interface ChaosOptions {
  seed: number;
  /** Rounds ended by SIGKILL (a last round then ends with SIGTERM). */
  kills: number;
  store: ChaosStore;
  /** Terminals (connections) of node A, default 3. */
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

/** A gateway node as started by `startGateway`. */
type Node = { process: CliProcess } & GatewayAddresses;

/** The gateway's flags: its store, a short request timeout (a silent bank: 68 and a reversal) and SAF interval. */
function flags(options: ChaosOptions, host: LedgerHost, node: 'a' | 'b'): string[] {
  return ['--upstream', `127.0.0.1:${host.bank.port}`, ...options.store.flags(node),
    '--request-timeout', '500', '--saf-retry-interval', '250', '--shutdown-deadline', '15000', '--log-level', 'info'];
}

/**
 * Arms the kill of `gateway` at the `nth` event of kind `point` (a `bank-reversal` round with no reversal falls back
 * to the bank's `3 x nth` original), after `delayMs` (0: in the event's own turn); `stop` then stops the terminals.
 * Resolves with a description once the process has exited.
 */
function armKill(gateway: CliProcess, host: LedgerHost, books: PosBooks, point: KillPoint, nth: number, delayMs: number, stop: () => void): Promise<string> {
  let count = 0;
  let fallback = 0;
  let fired = false;
  let resolveFired: (what: string) => void = () => undefined;
  const firedAt = new Promise<string>((resolve) => {
    resolveFired = resolve;
  });
  const fire = (what: string): void => {
    if (fired) return;
    fired = true;
    stop();
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
  return firedAt.then(async (what) => {
    await exitWithin(gateway, 30_000, `the gateway killed at ${what}`);
    return what;
  });
}

/** Stops `node` with SIGTERM; asserts a clean stop with no SAF entry left; resolves with its log. */
async function stopCleanly(node: Node, what: string): Promise<string> {
  node.process.kill('SIGTERM');
  const exit = await exitWithin(node.process, 40_000, `${what} stopping`);
  assert.equal(exit.code, 0, `${what} stops cleanly: ${node.process.stderr().slice(-1500)}`);
  // Drained, but for the reversals answered 25 (their original may still come) that the stop keeps for the next start,
  // which repeats them (ISO8583_WARN_SAF_OVERTAKEN_KEPT, one line each): left by design, and counted.
  const kept = node.process.stderr().split('"code":"ISO8583_WARN_SAF_OVERTAKEN_KEPT"').length - 1;
  assert.deepEqual(logLine(node.process.stderr(), 'gateway stopped').safLeft, { reversals: kept, advices: 0 }, `${what}: the SAF queue drained (${kept} repeats kept)`);
  return node.process.stderr();
}

/** Runs the rounds, drains the SAF entries, stops the gateways with SIGTERM, and audits the books. */
export async function chaosRun(options: ChaosOptions): Promise<ChaosResult> {
  const random = seeded(options.seed);
  const host = await startLedgerHost(options.seed, { approve: 0.75, silent: 0.1 });
  const books = new PosBooks();
  const terminals = Array.from({ length: options.terminals ?? 3 }, (_, i) => `TERM${String(i + 1).padStart(4, '0')}`);
  // Node B's own terminal (two nodes): its purchases go on while node A is killed and started again.
  const steadyTerminals = ['STEADY01'];
  const lanes = options.lanes ?? 2;
  const kills: string[] = [];
  const answeredOnDisk = new Set<string>();
  let logs = '';
  const points: KillPoint[] = ['bank-received', 'bank-approved', 'pos-answered', 'bank-reversal'];
  const nodeB = options.store.twoNodes ? await startGateway(flags(options, host, 'b')) : undefined;
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
      const gateway = await startGateway(flags(options, host, 'a'));
      const t1 = performance.now();
      const fleets: PosFleet[] = [];
      let stopped = false;
      const stop = (): void => {
        stopped = true;
        for (const f of fleets) f.stop();
      };
      const killed = armKill(gateway.process, host, books, point, nth, delayMs, stop);
      // The kill may fire before the terminals are all connected (a reversal the start replays, node B's traffic):
      // a fleet that cannot connect to the killed node then has nothing to tell; one started after it stops at once.
      const startFleet = (pos: { host: string; port: number }, names: string[]): Promise<void> =>
        PosFleet.start(books, pos, names, lanes).then((f) => void fleets.push(f), (err: unknown) => {
          if (!stopped) throw err;
        });
      await startFleet(gateway.pos, terminals);
      if (nodeB !== undefined) await startFleet(nodeB.pos, steadyTerminals);
      if (stopped) stop();
      const what = await killed;
      kills.push(what);
      // What the killed process's store recorded, before the next start compacts it away.
      for (const [key, word] of await options.store.words()) if (word === 'not-needed') answeredOnDisk.add(key);
      options.say(`round ${round + 1}: SIGKILL at ${what} (start ${Math.round(t1 - t0)} ms, then ${Math.round(performance.now() - t1)} ms)`);
      for (const fleet of fleets) {
        await eventWithin(30_000, () => 'the terminals still wait for answers', (resolve) => void fleet.ended().then(resolve));
        assert.equal(fleet.strays(), 0, 'every answer matched a request of its connection');
        await fleet.close();
      }
      host.hooks = {};
      books.onAnswer = undefined;
      logs += gateway.process.stderr();
    }
    // The last round: the gateway reads the store, sends what the killed ones left, serves a few purchases; once the
    // store's SAF entries are all done (a first attempt the bank drops is repeated), the SIGTERM stops find none left.
    const t0 = performance.now();
    const gateway = await startGateway(flags(options, host, 'a'));
    const t1 = performance.now();
    const fleets = [await PosFleet.start(books, gateway.pos, terminals, lanes, options.lastRound ?? 4)];
    if (nodeB !== undefined) fleets.push(await PosFleet.start(books, nodeB.pos, steadyTerminals, lanes, options.lastRound ?? 4));
    for (const fleet of fleets) {
      await fleet.ended();
      assert.equal(fleet.strays(), 0, 'every answer matched a request of its connection');
      await fleet.close();
    }
    const t2 = performance.now();
    await options.store.drained(nodeB === undefined ? [gateway.http] : [gateway.http, nodeB.http]);
    // The gateways' promises first; then the terminals reverse what got no answer, and the books must reconcile whole.
    const found = audit(host.ledger, books.records, answeredOnDisk);
    host.phase = 'terminal';
    const codes = await terminalReversals(books, gateway.pos);
    assert.deepEqual(Object.keys(codes).filter((c) => c !== '00' && c !== '25'), [], `the terminals' reversals answered by the bank (00, or 25 for one it never saw): ${JSON.stringify(codes)}`);
    found.violations.push(...auditAfterTerminals(host.ledger, books.records, found.counts));
    logs += await stopCleanly(gateway, 'the last gateway');
    if (nodeB !== undefined) logs += await stopCleanly(nodeB, 'node B');
    options.say(`last round: start ${Math.round(t1 - t0)} ms, purchases ${Math.round(t2 - t1)} ms, drain, terminal reversals and stop ${Math.round(performance.now() - t2)} ms`);
    return { ...found, kills, gatewayLogs: logs };
  } finally {
    await host.close();
  }
}
