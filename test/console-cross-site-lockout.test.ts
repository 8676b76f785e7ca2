/**
 * A web page of another site cannot lock the operator's address out of a gateway's HTTP port. Chromium opens a page
 * served from `localhost` (another site than `127.0.0.1`) whose `<img>` tags ask the real gateway's
 * `/console?token=...` with wrong tokens, from the operator's own address, as any page the operator opens could: the
 * browser marks them `Sec-Fetch-Site: cross-site`, the gateway does not read their token, and a program with the
 * right bearer token on that address is still answered (before the fix: 429 for a minute, doubling up to 15, for as
 * long as the page stays open). A sign-in from the address bar still works.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { browserSkip, openBrowser } from './helpers/browser.js';
import type { TestBrowser } from './helpers/browser.js';
import { stopAll } from './helpers/cli.js';
import { startConsoleGateway } from './helpers/console-setup.js';
import type { ConsoleGateway } from './helpers/console-setup.js';

/** The page's own images, as `page.evaluate` sees them (this file is compiled without the DOM's types). */
declare const document: {
  images: ArrayLike<{ complete: boolean; addEventListener(type: 'load' | 'error', listener: () => void): void }>;
};

const TOKEN = 'cross-site-lockout-token-7c21';
/** Wrong tokens the page sends: twice what locks an address out (5 in a minute). */
const GUESSES = 10;

let bank: ScriptedBank | undefined;
let gw: ConsoleGateway | undefined;
let browser: TestBrowser | undefined;
let site: Server | undefined;

before(async () => {
  if (browserSkip() !== undefined) return;
  bank = await startBank(approve);
  [gw, browser] = await Promise.all([startConsoleGateway({ token: TOKEN, upstream: bank }), openBrowser()]);
});

after(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (site === undefined ? resolve() : site.close(() => resolve())));
  await stopAll();
  await bank?.close();
  gw?.cleanup();
});

/** Serves `html` on `localhost` port 0 (another site than the gateway's `127.0.0.1`); its address. */
async function serveOtherSite(html: string): Promise<string> {
  site = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(html);
  });
  await new Promise<void>((resolve) => (site as Server).listen(0, '127.0.0.1', resolve));
  return `http://localhost:${((site as Server).address() as AddressInfo).port}/`;
}

test('a page of another site cannot lock the operator\'s address out through /console?token=', { skip: browserSkip(), timeout: 60_000 }, async () => {
  const g = gw as ConsoleGateway;
  const base = new URL(g.base);
  assert.equal(base.hostname, '127.0.0.1', 'the gateway is reached by address: the page on localhost is another site');
  const images = Array.from({ length: GUESSES }, (_, i) => `<img src="${g.base}/console?token=guess-${i}" alt="">`).join('\n');
  const address = await serveOtherSite(`<!doctype html><title>another site</title>\n${images}`);
  const page = await (browser as TestBrowser).context.newPage();
  await page.goto(address);
  // Every image answered (a 401 login page is no image: each fires `error`), so every request reached the gateway.
  const settled = await page.evaluate(() =>
    Promise.all(Array.from(document.images, (img) => (img.complete ? Promise.resolve() : new Promise<void>((resolve) => {
      img.addEventListener('load', () => resolve());
      img.addEventListener('error', () => resolve());
    })))).then(() => document.images.length),
  );
  assert.equal(settled, GUESSES);
  // A program on the same address with the right token (a metrics scraper, the `iso8583` command).
  const stats = await fetch(`${g.base}/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
  await stats.arrayBuffer();
  assert.equal(stats.status, 200, `the operator's address is not locked out (HTTP ${stats.status}, Retry-After ${stats.headers.get('retry-after') ?? '-'})`);
  // The operator signing in from the address bar: ?token= works as ever.
  await page.goto(`${g.base}/console?token=${TOKEN}`);
  assert.equal(new URL(page.url()).pathname, '/console');
  assert.equal(new URL(page.url()).search, '', 'redirected off the token');
  const session = await page.evaluate(async () => (await fetch('/console/api/session')).status);
  assert.equal(session, 200, 'signed in');
  await page.close();
});
