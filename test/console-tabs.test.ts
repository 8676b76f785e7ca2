/**
 * The console's event stream in a real browser (Debian's chromium through playwright-core) against the real gateway
 * binary: many tabs of one address share one stream (a browser keeps six connections to an address over HTTP/1.1),
 * a server error (a proxy's 502) is told apart from being signed out and retried, sign-out ends the session in every
 * tab (and tabs opening together after a new sign-in get one stream), and the charts place the snapshots by their time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { browserSkip, openBrowser } from './helpers/browser.js';
import type { TestBrowser } from './helpers/browser.js';
import { stopAll } from './helpers/cli.js';
import { openConsole, startConsoleGateway } from './helpers/console-setup.js';
import type { ConsoleGateway } from './helpers/console-setup.js';

const TOKEN = 'console-tabs-token-91b2';

/** The page's own globals (the tests compile without the DOM library). */
declare const document: {
  getElementById(id: string): { textContent: string | null; dataset: Record<string, string | undefined> } | null;
  body: { dataset: Record<string, string | undefined> };
};
/** console.js's own state and chart drawing (globals of its script). */
declare const state: { snapshots: unknown[] };
declare function drawCharts(): void;
/** A canvas, as far as the chart test reads it. */
interface Canvas2d {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}

/** The status badge's text. */
function statusIs(page: Page, text: string | RegExp, timeout = 20_000): Promise<unknown> {
  const source = typeof text === 'string' ? { text } : { re: text.source };
  return page.waitForFunction(
    (want) => {
      const now = document.getElementById('status')?.textContent ?? '';
      return want.text !== undefined ? now === want.text : new RegExp(want.re as string).test(now);
    },
    source,
    { timeout },
  );
}

/** A reverse proxy in front of `base` (as nginx in front of the gateway) that answers 502 while `broken`. */
async function startProxy(base: string): Promise<{ base: string; break(): void; mend(): void; close(): Promise<void> }> {
  const target = new URL(base);
  let broken = false;
  const streams = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (broken) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway');
      return;
    }
    const up = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (req.url?.startsWith('/console/events') === true) {
        streams.add(res);
        res.on('close', () => streams.delete(res));
      }
      answer.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    break: () => {
      broken = true;
      for (const res of streams) res.destroy();
    },
    mend: () => {
      broken = false;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('the console\'s event stream in a browser', { skip: browserSkip(), concurrency: true }, () => {
  let browser: TestBrowser | undefined;
  let open: ConsoleGateway | undefined;
  let guarded: ConsoleGateway | undefined;
  /** A second console of the host with a token of its own (the cookies test). */
  let other: ConsoleGateway | undefined;
  /** The gateways' upstream, in this process (no traffic here: the tests are about the console's stream). */
  let bank: ScriptedBank | undefined;

  before(async () => {
    bank = await startBank(approve);
    [browser, open, guarded, other] = await Promise.all([
      openBrowser(),
      startConsoleGateway({ upstream: bank }),
      startConsoleGateway({ token: TOKEN, upstream: bank }),
      startConsoleGateway({ token: `${TOKEN}-other`, upstream: bank }),
    ]);
  });

  after(async () => {
    await browser?.close();
    await stopAll();
    await bank?.close();
    open?.cleanup();
    guarded?.cleanup();
    other?.cleanup();
  });

  // The two consoles' tests run side by side (each group one after another): they share the browser but not an
  // origin (a port of its own each), so neither their tabs' channel and lock nor their connections meet; the open
  // console sets no cookie.
  describe('a console without a token', { concurrency: false }, () => {
    test('eight tabs of one address all go live (one stream for the browser); closing the tab that holds it hands it on', async () => {
      const gw = open as ConsoleGateway;
      const pages: Page[] = [];
      try {
        // The first tab holds the stream; the seven others open together once it does.
        pages.push(await openConsole(browser as TestBrowser, gw));
        pages.push(...(await Promise.all(Array.from({ length: 7 }, () => openConsole(browser as TestBrowser, gw)))));
        for (const page of pages) await statusIs(page, 'live');
        // Once the holder is gone, another tab opens the stream and every tab still ticks (two more ticks each, waited
        // on together: the tabs tick at once).
        await (pages.shift() as Page).close();
        const ticks = await Promise.all(pages.map((page) => page.evaluate(() => Number(document.body.dataset.ticks ?? '0'))));
        await Promise.all(pages.map((page, i) => page.waitForFunction((n) => Number(document.body.dataset.ticks ?? '0') > n + 1, ticks[i] as number, { timeout: 20_000 })));
      } finally {
        for (const page of pages) if (!page.isClosed()) await page.close();
      }
    });

    test('a proxy\'s 502 says "server error", not "signed out", and the page goes live again when it answers', async () => {
      const proxy = await startProxy((open as ConsoleGateway).base);
      const page = await openConsole(browser as TestBrowser, { base: proxy.base, token: undefined } as ConsoleGateway);
      try {
        await statusIs(page, 'live');
        proxy.break();
        await statusIs(page, /^server error \(HTTP 502\): retrying in \d+ s$/);
        assert.equal(await page.getAttribute('#status', 'data-state'), 'lost');
        proxy.mend();
        await statusIs(page, 'live', 40_000);
      } finally {
        await page.close();
        await proxy.close();
      }
    });

    test('the charts place snapshots by time: one every 2 s over five minutes spans the whole chart', async () => {
      const page = await openConsole(browser as TestBrowser, open as ConsoleGateway);
      try {
        // A page sent one snapshot in two (a slow link) for five minutes: the line starts at the left edge, as its
        // times say, not in the middle of the chart as counting them would put it.
        const blue = await page.evaluate(() => {
          const end = 1_800_000_000_000;
          state.snapshots = Array.from({ length: 150 }, (_, i) => ({ t: end - (149 - i) * 2000, rate: 4, p50: null, p95: null, p99: null }));
          drawCharts();
          const canvas = document.getElementById('rate-chart') as unknown as Canvas2d;
          const ctx = canvas.getContext('2d');
          const x = Math.round(48 + (canvas.width - 56) * 0.25);
          const column = ctx.getImageData(x, 0, 1, canvas.height).data;
          let found = false;
          for (let i = 0; i < column.length; i += 4) {
            if ((column[i + 2] as number) > 180 && (column[i] as number) < 120) found = true;
          }
          return found;
        });
        assert.equal(blue, true, 'the rate line is drawn a quarter of the way in');
      } finally {
        await page.close();
      }
    });
  });

  describe('--http-token', { concurrency: false }, () => {
    test('--http-token: Sign out ends the session: that tab asks for the token, the others say "signed out"; a new sign-in brings all back', async () => {
      const gw = guarded as ConsoleGateway;
      const first = await openConsole(browser as TestBrowser, gw);
      const second = await (browser as TestBrowser).context.newPage();
      try {
        await second.goto(`${gw.base}/console`);
        await statusIs(second, 'live');
        assert.equal(await second.isVisible('#sign-out'), true);
        const [answer] = await Promise.all([second.waitForNavigation(), second.click('#sign-out')]);
        assert.equal(answer?.status(), 401, 'the sign-in form');
        assert.equal(await second.isVisible('#token'), true);
        await statusIs(first, 'signed out: reload to sign in');
        assert.deepEqual(await (browser as TestBrowser).context.cookies(gw.base), [], 'the cookie is gone');
        const res = await fetch(`${gw.base}/console/api/session`);
        assert.equal(res.status, 401);
        await res.arrayBuffer();
        // Signing in again in that tab brings both back (the tab holding the stream tries it again).
        await second.fill('#token', TOKEN);
        await Promise.all([second.waitForNavigation(), second.click('#sign-in')]);
        await statusIs(second, 'live');
        await statusIs(first, 'live');
      } finally {
        await first.close();
        await second.close();
      }
    });

    test('--http-token: a tab signing in again (?token=) and signing out signs out the tab that signed in first', async () => {
      const gw = guarded as ConsoleGateway;
      const first = await openConsole(browser as TestBrowser, gw);
      const second = await openConsole(browser as TestBrowser, gw);
      try {
        await statusIs(first, 'live');
        await statusIs(second, 'live');
        await Promise.all([second.waitForNavigation(), second.click('#sign-out')]);
        await statusIs(first, 'signed out: reload to sign in');
      } finally {
        await first.close();
        await second.close();
      }
    });

    test('--http-token: after a sign-out, tabs opening together after a new sign-in get one stream, not one each', async () => {
      const gw = guarded as ConsoleGateway;
      const context = (browser as TestBrowser).context;
      const lead = await context.newPage();
      // Counts the page's EventSources that are open (made and not closed), and the most at once.
      await lead.addInitScript(() => {
        const counts = { open: 0, most: 0 };
        (globalThis as unknown as { streamCounts: typeof counts }).streamCounts = counts;
        const Real = (globalThis as unknown as { EventSource: new (url: string) => { close(): void } }).EventSource;
        class Counted extends Real {
          #closed = false;
          constructor(url: string) {
            super(url);
            counts.open += 1;
            counts.most = Math.max(counts.most, counts.open);
          }
          override close(): void {
            if (!this.#closed) counts.open -= 1;
            this.#closed = true;
            super.close();
          }
        }
        (globalThis as unknown as { EventSource: unknown }).EventSource = Counted;
      });
      const counts = (): Promise<{ open: number; most: number }> => lead.evaluate(() => (globalThis as unknown as { streamCounts: { open: number; most: number } }).streamCounts);
      const out = await context.newPage();
      const pages: Page[] = [];
      try {
        await lead.goto(`${gw.base}/console?token=${encodeURIComponent(TOKEN)}`);
        await statusIs(lead, 'live');
        await out.goto(`${gw.base}/console`);
        await statusIs(out, 'live');
        await Promise.all([out.waitForNavigation(), out.click('#sign-out')]);
        await statusIs(lead, 'signed out: reload to sign in');
        assert.equal((await counts()).open, 0, 'the stream of the session signed out is closed');
        const signIn = await context.request.post(`${gw.base}/console/login`, { form: { token: TOKEN }, maxRedirects: 0 });
        assert.equal(signIn.status(), 303);
        // Two tabs asking at once (their `sync`s reach the holder back to back, before its stream says hello), then two
        // real tabs opening together.
        await out.evaluate(() => {
          const channel = new BroadcastChannel('iso8583-console-stream');
          channel.postMessage({ type: 'sync' });
          channel.postMessage({ type: 'sync' });
          channel.close();
        });
        await statusIs(lead, 'live');
        pages.push(...(await Promise.all([context.newPage(), context.newPage()])));
        await Promise.all(pages.map((page) => page.goto(`${gw.base}/console`)));
        for (const page of [lead, ...pages]) await statusIs(page, 'live');
        const seen = await counts();
        assert.equal(seen.open, 1, 'the holder keeps one stream');
        assert.equal(seen.most, 1, 'never two streams at once');
      } finally {
        for (const page of [lead, out, ...pages]) await page.close();
      }
    });

    test('--http-token: two consoles of one host with their own tokens keep both sessions (a browser keeps cookies by host)', async () => {
      const first = await openConsole(browser as TestBrowser, guarded as ConsoleGateway);
      const second = await openConsole(browser as TestBrowser, other as ConsoleGateway);
      try {
        // Signing in to the second did not sign the browser out of the first: a new page of it opens the console.
        const again = await (browser as TestBrowser).context.newPage();
        const answer = await again.goto(`${(guarded as ConsoleGateway).base}/console`);
        assert.equal(answer?.status(), 200, 'the console, not the sign-in form');
        await statusIs(again, 'live');
        await again.close();
      } finally {
        await first.close();
        await second.close();
      }
    });
  });
});
