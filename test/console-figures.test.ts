/**
 * The console's figures as an operator reads them, in a real browser (Debian's chromium through playwright-core)
 * against the real gateway binary: a busy gateway's totals stay inside their tiles, whole; every count is written
 * the same way (thousands separated); the charts' axis says 0.25, not 0.3.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { browserSkip, openBrowser } from './helpers/browser.js';
import type { TestBrowser } from './helpers/browser.js';
import { stopAll } from './helpers/cli.js';
import { openConsole, startConsoleGateway } from './helpers/console-setup.js';
import type { ConsoleGateway } from './helpers/console-setup.js';

/** A tile's box, as far as the test reads it. */
interface Box {
  textContent: string | null;
  scrollWidth: number;
  clientWidth: number;
  closest(selector: string): Box;
  getBoundingClientRect(): { left: number; right: number };
}
/** The page's own globals (the tests compile without the DOM library). */
declare const document: { querySelectorAll(selector: string): ArrayLike<Box> };
declare function onFigures(snapshot: unknown): void;
declare function axisLabels(max: number): string[];

describe('the console\'s figures in a browser', { skip: browserSkip() }, () => {
  let browser: TestBrowser | undefined;
  let gw: ConsoleGateway | undefined;

  before(async () => {
    [browser, gw] = await Promise.all([openBrowser(), startConsoleGateway()]);
  });

  after(async () => {
    await browser?.close();
    await stopAll();
    gw?.cleanup();
  });

  test('a busy gateway\'s totals stay whole inside their tiles; counts in the tables are written as in the tiles', async () => {
    const page = await openConsole(browser as TestBrowser, gw as ConsoleGateway);
    try {
      // One snapshot of a gateway up for months (the page is sent it as the stream would), drawn at once.
      const tiles = await page.evaluate(() => {
        onFigures({
          t: Date.now(), rate: 123456.7, p50: 1234.56, p95: 98765.43, p99: 123456.78,
          totals: { requests: 123456789012, responses: 123456789012, timeouts: 98765432, errors: 1234567 },
          byResponseCode: { '00': 123456789012 }, connectors: { upstream: { connected: 1, inFlight: 12345, pending: 67890, reversalsPending: 1234567 } },
          clients: { pos: 12345 }, reversalsPending: 1234567, safDepth: 987654, safAbandoned: 12,
        });
        return Array.from(document.querySelectorAll('.tile .figure')).map((f) => {
          const inner = f.getBoundingClientRect();
          const outer = f.closest('.tile').getBoundingClientRect();
          return { text: f.textContent, inside: inner.left >= outer.left && inner.right <= outer.right && f.scrollWidth <= f.clientWidth };
        });
      });
      for (const t of tiles) assert.equal(t.inside, true, `${t.text ?? ''} stays inside its tile`);
      assert.ok(tiles.some((t) => t.text === '123,456,789,012'), 'the requests since the start, whole');
      assert.ok(tiles.some((t) => t.text === '98,765,432 / 1,234,567'));
      const upstream = await page.$$eval('#upstreams tbody tr td', (tds) => tds.map((td) => td.textContent));
      assert.deepEqual(upstream.slice(2), ['1', '12,345', '67,890', '1,234,567']);
      assert.equal(await page.textContent('#clients tbody tr td:nth-child(2)'), '12,345');
    } finally {
      await page.close();
    }
  });

  test('the charts\' axis by quarters of a nice top: 0.25 and 1.25, not 0.3 and 1.3', async () => {
    const page = await openConsole(browser as TestBrowser, gw as ConsoleGateway);
    try {
      assert.deepEqual(await page.evaluate(() => axisLabels(1)), ['0', '0.25', '0.5', '0.75', '1']);
      assert.deepEqual(await page.evaluate(() => axisLabels(5)), ['0', '1.25', '2.5', '3.75', '5']);
      assert.deepEqual(await page.evaluate(() => axisLabels(200000)), ['0', '50,000', '100,000', '150,000', '200,000']);
    } finally {
      await page.close();
    }
  });
});
