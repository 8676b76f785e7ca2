/**
 * The console's test setup, shared by test/console.test.ts and scripts/screenshots.mjs: the real simulator, the real
 * gateway binary with the console's flags, a page signed in with the token, and POS traffic (test cards only) driven
 * until told to stop.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startGateway, startSimulator } from './cli.js';
import type { CliProcess } from './cli.js';
import { PosClient, purchase } from './pos.js';
import type { TestBrowser } from './browser.js';

/** A gateway with its console, in front of the simulator. */
export interface ConsoleGateway {
  /** The gateway process. */
  gateway: CliProcess;
  /** The simulator process (none when the gateway fronts the `upstream` it was given). */
  bank: CliProcess | undefined;
  /** `http://HOST:PORT` of the gateway's HTTP port. */
  base: string;
  /** The POS address. */
  pos: { host: string; port: number };
  /** The token, when the port asks for one. */
  token: string | undefined;
  /** Removes the journal folder (the processes are stopped by `stopAll`). */
  cleanup(): void;
}

/**
 * Starts the simulator and a gateway; `token` goes in a file (`--http-token-file`), `send` adds `--console-send`,
 * `logLevel` is the gateway's (default `warn`), `upstream` a host to front instead of a simulator of its own.
 */
export async function startConsoleGateway(
  options: { token?: string; send?: boolean; logLevel?: string; extra?: string[]; upstream?: { port: number } } = {},
): Promise<ConsoleGateway> {
  const work = mkdtempSync(join(tmpdir(), 'iso8583-console-'));
  const bank = options.upstream === undefined ? await startSimulator(['--balance', '100000000']) : undefined;
  const upstream = bank ?? { host: '127.0.0.1', port: (options.upstream as { port: number }).port };
  const args = ['--upstream', `${upstream.host}:${upstream.port}`, '--reversal-journal', join(work, 'journal'), '--log-level', options.logLevel ?? 'warn', ...(options.extra ?? [])];
  if (options.token !== undefined) {
    const file = join(work, 'token');
    writeFileSync(file, `${options.token}\n`, { mode: 0o600 });
    args.push('--http-token-file', file);
  }
  if (options.send === true) args.push('--console-send');
  const gw = await startGateway(args);
  return {
    gateway: gw.process,
    bank: bank?.process,
    base: `http://${gw.http.host}:${gw.http.port}`,
    pos: gw.pos,
    token: options.token,
    cleanup: () => rmSync(work, { recursive: true, force: true }),
  };
}

/**
 * Opens the console in a new page (signed in with `?token=` when the port asks for one) and waits for its stream.
 * `settled: true` (default false: a test that only reads the page need not wait) waits too until the page shows the
 * stream's first figures and its recent transactions: each adds rows to the tables above the workbench, and moves its
 * buttons (the upstreams' row, about 29 px, half a second or so after the page is ready); a click aimed at a button
 * before that could miss it on a busy machine. Every test that clicks in the workbench (Send, Decode) asks for it.
 */
export async function openConsole(browser: TestBrowser, gw: ConsoleGateway, options: { settled?: boolean } = {}): Promise<Page> {
  const page = await browser.context.newPage();
  const url = gw.token === undefined ? `${gw.base}/console` : `${gw.base}/console?token=${encodeURIComponent(gw.token)}`;
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  if (options.settled === true) {
    // `data-ticks`: counted by the page's figures handler; the recent list's source line: written by its list handler.
    await page.waitForSelector('body[data-ticks] #recent-source:not(:empty)', { state: 'attached', timeout: 20_000 });
  }
  return page;
}

/** POS traffic: `lanes` terminals each sending purchases one after another until `stop()`; resolves with the count. */
export function driveLoad(pos: { host: string; port: number }, lanes = 4): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  const lane = async (i: number): Promise<void> => {
    const client = await PosClient.open(pos.host, pos.port);
    const terminal = `TERM${String(i).padStart(4, '0')}`;
    const cards = ['4111111111111111', '5555555555554444'];
    try {
      for (let stan = 1; running; stan += 1) {
        // Some declined, so the outcomes show more than one code: a zero amount (13), more than the balance (51).
        const amount = stan % 7 === 0 ? 0 : stan % 11 === 0 ? 999_999_999 : 1000 + stan;
        await client.request(purchase(terminal, stan % 1_000_000, amount, cards[stan % 2]));
        sent += 1;
      }
    } finally {
      await client.close();
    }
  };
  const lanesDone = Promise.all(Array.from({ length: lanes }, (_, i) => lane(i + 1)));
  return {
    stop: async () => {
      running = false;
      await lanesDone;
      return sent;
    },
  };
}

/** Decodes `wire` (hex) in the page's workbench as iso87ascii; the decoded table's rows, each its cells' text. */
export async function decodeInWorkbench(page: Page, wire: string): Promise<string[][]> {
  await page.fill('#hex', wire);
  await page.selectOption('#dialect', 'iso87ascii');
  await page.click('#decode');
  await page.waitForSelector('#decoded:not([hidden]) tbody tr');
  return page.$$eval('#decoded tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}
