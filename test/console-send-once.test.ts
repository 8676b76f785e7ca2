/**
 * The workbench's Send sends once per click, in a real browser (Debian's chromium through playwright-core) against
 * the real gateway binary and a scripted bank that counts what reaches it: a double click while the first send is in
 * flight leaves the button held (disabled, aria-busy, "sending…") and reaches the bank once, with no
 * ISO8583_ERR_CONNECTOR_DUPLICATE_KEY error shown; the second click of a double click that arrives after the answer
 * is dropped too; an error gives the button back. The bank echoes the free-text fields 48 and 62: a PAN in them is
 * masked in the answer the page shows (and in the decode API's answer).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { createCodec } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { browserSkip, openBrowser } from './helpers/browser.js';
import type { TestBrowser } from './helpers/browser.js';
import { startGateway, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';
import { openConsole } from './helpers/console-setup.js';
import type { ConsoleGateway } from './helpers/console-setup.js';

/** A purchase from the workbench with STAN `stan` (test card, small amount). */
function purchase(stan: string): string {
  return JSON.stringify({ '0': '0200', '2': '4111111111111111', '3': '000000', '4': '500', '7': '1130120000', '11': stan, '41': 'TERM0900', '49': '840' });
}

/** Approves, echoing the free-text fields 48 and 62 of the request when it has them. */
function approveEcho(request: IsoMessage): IsoMessage {
  const answer = approve(request);
  for (const id of ['48', '62']) if (typeof request[id] === 'string') answer[id] = request[id];
  return answer;
}

/** The STANs of the requests the bank received, in order. */
function stans(bank: ScriptedBank): string[] {
  return bank.received.map((m) => String(m['11']));
}

/** The Send button's state as the page shows it. */
async function sendButton(page: Page): Promise<{ disabled: boolean; busy: string | null; state: string }> {
  return {
    disabled: await page.isDisabled('#send'),
    busy: await page.getAttribute('#send', 'aria-busy'),
    state: (await page.textContent('#send-state')) ?? '',
  };
}

/** The Send button is free (enabled, not busy) and its state line matches `state`. */
async function assertFree(page: Page, state: RegExp): Promise<void> {
  const now = await sendButton(page);
  assert.deepEqual({ disabled: now.disabled, busy: now.busy }, { disabled: false, busy: 'false' });
  assert.match(now.state, state);
}

/** Waits until the answer table shows field 11 = `stan`. */
async function answered(page: Page, stan: string): Promise<void> {
  try {
    await page.waitForFunction(
      (s) => [...document.querySelectorAll('#answer:not([hidden]) tbody tr')].some((tr) => tr.children[0]?.textContent === '11' && tr.children[2]?.textContent === s),
      stan,
    );
  } catch (err) {
    const error = (await page.isHidden('#send-error')) ? 'none' : ((await page.textContent('#send-error')) ?? '');
    throw new Error(`no answer with STAN ${stan} shown: the button ${JSON.stringify(await sendButton(page))}, the error shown: ${error}`, { cause: err });
  }
}

/**
 * Waits until the page took the click that sends: the send in flight (the button held, aria-busy) or over with an error
 * shown; fails naming the error the page shows, or the button's state when the page took no click.
 */
async function sendTaken(page: Page): Promise<void> {
  const taken = await page
    .waitForSelector('#send[aria-busy="true"], #send-error:not([hidden])', { timeout: 30_000 })
    .then(() => true, () => false);
  assert.ok(taken, `the page took no click within 30 s: the button ${JSON.stringify(await sendButton(page))}`);
  assert.equal(await page.isHidden('#send-error'), true, `the send failed before it reached the bank: ${(await page.textContent('#send-error')) ?? ''}`);
}

/**
 * Resolves when the bank received the request of STAN `stan`; fails at once when the page shows the send failed
 * first, or after the bank's wait (30 s) with what the page and the gateway's log show.
 */
async function reachedBank(page: Page, bank: ScriptedBank, gateway: CliProcess, stan: string): Promise<void> {
  let sent = true;
  const failed = page.waitForSelector('#send-error:not([hidden])', { timeout: 0 }).then(
    async () => {
      if (sent) assert.fail(`the send failed before it reached the bank: ${(await page.textContent('#send-error')) ?? ''}`);
    },
    () => undefined,
  );
  try {
    await Promise.race([bank.waitFor((m) => m['11'] === stan), failed]);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    throw new Error(`STAN ${stan}: ${(err as Error).message}; the button ${JSON.stringify(await sendButton(page))}; the gateway's log: ${gateway.stderr().slice(-2000)}`, { cause: err });
  } finally {
    sent = false;
  }
}

/** Run in the page: records the `detail` of each click the Send button gets from now on, in `globalThis.sendClicks`. */
const CLICKS_RECORDED = `(() => {
  globalThis.sendClicks = [];
  document.querySelector('#send').addEventListener('click', (event) => globalThis.sendClicks.push(event.detail));
})()`;

/** The page's own `document` (the tests compile without the DOM library). */
declare const document: {
  querySelectorAll(selector: string): Iterable<{ children: ArrayLike<{ textContent: string | null } | undefined> }>;
};

describe('the workbench\'s Send in a browser: one click, one request', { skip: browserSkip() }, () => {
  const work = mkdtempSync(join(tmpdir(), 'iso8583-console-send-once-'));
  let browser: TestBrowser | undefined;
  let bank: ScriptedBank | undefined;
  let gw: ConsoleGateway | undefined;
  let gateway: CliProcess | undefined;

  before(async () => {
    [browser, bank] = await Promise.all([openBrowser(), startBank(approveEcho)]);
    const started = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', join(work, 'journal'), '--console-send', '--log-level', 'warn']);
    gateway = started.process;
    gw = { base: `http://${started.http.host}:${started.http.port}`, token: undefined } as ConsoleGateway;
  });

  after(async () => {
    await browser?.close();
    await stopAll();
    await bank?.close();
    rmSync(work, { recursive: true, force: true });
  });

  test('a double click while the send is in flight: the button held (disabled, aria-busy), one request upstream, no error', async () => {
    const upstream = bank as ScriptedBank;
    const page = await openConsole(browser as TestBrowser, gw as ConsoleGateway, { settled: true });
    try {
      // The bank holds its answer until the test has seen the button held: the first send is in flight for sure.
      let release: (() => void) | undefined;
      upstream.onRequest((request, write) => {
        release = () => write(approve(request));
      });
      await page.fill('#compose', purchase('000901'));
      await page.dblclick('#send');
      await sendTaken(page);
      await reachedBank(page, upstream, gateway as CliProcess, '000901');
      assert.deepEqual(await sendButton(page), { disabled: true, busy: 'true', state: 'sending…' });
      (release as () => void)();
      await answered(page, '000901');
      await assertFree(page, /^answered by /);
      assert.equal(await page.isHidden('#send-error'), true, `no error shown: ${(await page.textContent('#send-error')) ?? ''}`);
      assert.deepEqual(stans(upstream), ['000901'], 'exactly one request reached the bank');
    } finally {
      upstream.onRequest((request, write) => write(approveEcho(request)));
      await page.close();
    }
  });

  test('the second click of a double click that comes after the answer is dropped; a later single click sends', async () => {
    const upstream = bank as ScriptedBank;
    const before = upstream.received.length;
    const page = await openConsole(browser as TestBrowser, gw as ConsoleGateway, { settled: true });
    try {
      await page.fill('#compose', purchase('000902'));
      // The first click through the locator: it waits until the button is visible, stable and takes the click (a
      // position read before the page finished laying out can miss it on a busy machine).
      await page.click('#send');
      await answered(page, '000902');
      // The second click of the double click (event.detail 2): the page records each click the button gets, so the
      // test knows this one reached it. The answer is in, the button is free, and still nothing is sent (a submit would
      // hold the button at once: it is taken before the request leaves).
      await page.evaluate(CLICKS_RECORDED);
      // Dispatched on the button itself (a click of detail 2, as a double click's second is), not pressed at a place
      // on the screen: the answer shown moves the button, and a press where it had been missed it on a busy machine.
      await page.locator('#send').dispatchEvent('click', { detail: 2 });
      assert.deepEqual(await page.evaluate('globalThis.sendClicks'), [2], 'the second click of a double click reached the button');
      await assertFree(page, /^answered by /);
      // A click of its own sends again: the next message reaches the bank, and only it. Aimed once the page shows
      // 000902 in its recent transactions: that row (and a new response code's, the same tick) moves the button.
      await page.waitForSelector('#recent tbody tr td:nth-child(3):text-is("000902")', { state: 'attached' });
      await page.fill('#compose', purchase('000903'));
      await page.click('#send');
      await answered(page, '000903');
      assert.deepEqual(stans(upstream).slice(before), ['000902', '000903']);
      assert.equal(await page.isHidden('#send-error'), true);
    } finally {
      await page.close();
    }
  });

  test('an error answer gives the button back, with the error shown', async () => {
    const page = await openConsole(browser as TestBrowser, gw as ConsoleGateway, { settled: true });
    try {
      await page.fill('#compose', JSON.stringify({ '0': '0200', '11': '000904', '999': 'X' }));
      await page.click('#send');
      await page.waitForSelector('#send-error:not([hidden])');
      await assertFree(page, /^$/);
    } finally {
      await page.close();
    }
  });

  test('a PAN in free text (48, 62) is masked in an upstream\'s answer that echoes it, and in the decode API\'s answer', async () => {
    // In the workbench's decode: test/console.test.ts.
    const PAN = '4111111111111111';
    const FREE = { '48': `CARD ${PAN} REF`, '62': `X${PAN}` };
    const page = await openConsole(browser as TestBrowser, gw as ConsoleGateway, { settled: true });
    try {
      await page.fill('#compose', JSON.stringify({ '0': '0200', '3': '000000', '4': '500', '7': '1130120000', '11': '000778', '41': 'TERM0778', '49': '840', ...FREE }));
      await page.click('#send');
      await page.waitForSelector('#answer:not([hidden]) tbody tr');
      const answer = await page.$$eval('#answer tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      assert.equal(answer.find((r) => r[0] === '48')?.[2], 'CARD 411111******1111 REF');
      assert.equal(answer.find((r) => r[0] === '62')?.[2], 'X411111******1111');
      assert.doesNotMatch(await page.content(), new RegExp(PAN), 'the whole PAN is nowhere in the DOM');
      const wire = Buffer.from(
        createCodec('iso87ascii').pack({ '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '11': '000043', '41': 'TERM0001', ...FREE }),
      ).toString('hex');
      const api = await fetch(`${(gw as ConsoleGateway).base}/console/api/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hex: wire, dialect: 'iso87ascii' }) });
      assert.doesNotMatch(await api.text(), new RegExp(PAN), 'nor in the decode API\'s answer');
    } finally {
      await page.close();
    }
  });
});
