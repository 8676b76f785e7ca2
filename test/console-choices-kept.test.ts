/**
 * The workbench keeps the operator's choices when a `hello` comes again, in a real browser (Debian's chromium through
 * playwright-core) against the real gateway binary with two named upstreams: a tab that does not hold the stream gets
 * the holder's `hello` each time another tab of the console opens (and every tab gets one when the stream opens again).
 * The send target chosen (`beta`), the dialect and the framing stay as chosen, or the next Send would go to another
 * bank (`routed`) than the one the operator picked.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { browserSkip, openBrowser } from './helpers/browser.js';
import type { TestBrowser } from './helpers/browser.js';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { openConsole } from './helpers/console-setup.js';
import type { ConsoleGateway } from './helpers/console-setup.js';

/** The page's own globals (the tests compile without the DOM library). */
declare const BroadcastChannel: new (name: string) => { onmessage: ((e: { data: { type?: string } }) => void) | null };
declare const window: { helloSeen?: number };

/** The workbench's choices as the page shows them. */
async function choices(page: Page): Promise<{ target: string; dialect: string; frame: string }> {
  return {
    target: await page.inputValue('#target'),
    dialect: await page.inputValue('#dialect'),
    frame: await page.inputValue('#frame'),
  };
}

describe('the workbench\'s choices in a browser', { skip: browserSkip() }, () => {
  const work = mkdtempSync(join(tmpdir(), 'iso8583-console-choices-'));
  let browser: TestBrowser | undefined;
  let gw: ConsoleGateway | undefined;

  before(async () => {
    // The browser starts while the simulators do (it needs neither).
    const [a, b, opened] = await Promise.all([startSimulator(), startSimulator(), openBrowser()]);
    browser = opened;
    const started = await startGateway([
      '--upstream', `alpha=${a.host}:${a.port}`,
      '--upstream', `beta=${b.host}:${b.port}`,
      '--console-send',
      '--reversal-journal', join(work, 'journal'),
      '--log-level', 'error',
    ]);
    gw = { base: `http://${started.http.host}:${started.http.port}`, token: undefined } as ConsoleGateway;
  });

  after(async () => {
    await browser?.close();
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  });

  test('another tab opening (the holder hands every tab its hello) leaves the target, dialect and framing as chosen', async () => {
    const holder = await openConsole(browser as TestBrowser, gw as ConsoleGateway);
    const tab = await openConsole(browser as TestBrowser, gw as ConsoleGateway);
    assert.equal((await choices(tab)).target, 'routed', 'the first target by default');
    await tab.selectOption('#target', 'beta');
    await tab.selectOption('#dialect', 'iso93ascii');
    await tab.selectOption('#frame', 'ascii4');
    // A channel of the tab's own, made after the page's: a message reaches the page's channel first (creation order),
    // so once this one saw the holder's hello, the page has handled it.
    await tab.evaluate(() => {
      window.helloSeen = 0;
      new BroadcastChannel('iso8583-console-stream').onmessage = (e) => {
        if (e.data.type === 'hello') window.helloSeen = (window.helloSeen ?? 0) + 1;
      };
    });
    const third = await openConsole(browser as TestBrowser, gw as ConsoleGateway);
    await tab.waitForFunction(() => (window.helloSeen ?? 0) > 0, undefined, { timeout: 20_000 });
    assert.deepEqual(await choices(tab), { target: 'beta', dialect: 'iso93ascii', frame: 'ascii4' });
    assert.deepEqual((await choices(third)).target, 'routed', 'a new tab starts from the first target');
    for (const page of [third, tab, holder]) await page.close();
  });
});
