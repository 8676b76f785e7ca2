/**
 * The workbench's Compose box is sent as the operator wrote it, in a real browser (Debian's chromium through
 * playwright-core) against the real gateway binary and a scripted bank that records what reaches it: the server's
 * JSON checks (docs/message-views.md) judge the text itself, so an amount written with a decimal point (`"4": 25.00`,
 * which `JSON.parse` reads as 25 minor units) or a field given twice (read as its last value) is refused with the
 * error shown, and reaches no bank. A whole number still goes out as its digits.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { browserSkip, openBrowser } from './helpers/browser.js';
import type { TestBrowser } from './helpers/browser.js';
import { startGateway, stopAll } from './helpers/cli.js';
import { openConsole } from './helpers/console-setup.js';
import type { ConsoleGateway } from './helpers/console-setup.js';

/** A purchase's fields before and after field 4, which each test writes its own way; STAN `stan`. */
function compose(stan: string, amount: string): string {
  return `{"0":"0200","2":"4111111111111111","3":"000000",${amount},"7":"1207120000","11":"${stan}","41":"TERM0001","49":"840"}`;
}

describe('the workbench sends the Compose box as written', { skip: browserSkip() }, () => {
  const work = mkdtempSync(join(tmpdir(), 'iso8583-console-compose-'));
  let browser: TestBrowser | undefined;
  let bank: ScriptedBank | undefined;
  let gw: ConsoleGateway | undefined;

  before(async () => {
    [browser, bank] = await Promise.all([openBrowser(), startBank(approve)]);
    const started = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', join(work, 'journal'), '--console-send', '--log-level', 'warn']);
    gw = { base: `http://${started.http.host}:${started.http.port}`, token: undefined } as ConsoleGateway;
  });

  after(async () => {
    await browser?.close();
    await stopAll();
    await bank?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** Fills the box with `text`, clicks Send and gives the error the page shows (after the send is over). */
  async function refused(text: string): Promise<string> {
    const page = await openConsole(browser as TestBrowser, gw as ConsoleGateway, { settled: true });
    try {
      await page.fill('#compose', text);
      await page.click('#send');
      // The send is over once the page shows an error or an answer; an answer means the text was sent.
      await page.waitForSelector('#send-error:not([hidden]), #answer:not([hidden])');
      const answer = await page.$$eval('#answer:not([hidden]) tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      assert.deepEqual(answer.filter((r) => r[0] === '4' || r[0] === '39'), [], 'no answer shown');
      assert.equal(await page.isDisabled('#send'), false, 'the button is given back');
      return (await page.textContent('#send-error')) ?? '';
    } finally {
      await page.close();
    }
  }

  test('an amount with a decimal point ("4": 25.00) is refused, naming field 4, and reaches no bank', async () => {
    const error = await refused(compose('000101', '"4":25.00'));
    assert.match(error, /^ISO8583_ERR_CONSOLE_INPUT: /);
    assert.match(error, /decimal point/);
    assert.match(error, /\b4\b/);
    assert.deepEqual((bank as ScriptedBank).received, [], 'the bank received nothing');
  });

  test('a field given twice ("4" twice) is refused and reaches no bank', async () => {
    const error = await refused(compose('000102', '"4":"000000000100","4":"000000099999"'));
    assert.match(error, /^ISO8583_ERR_CONSOLE_INPUT: /);
    assert.match(error, /given twice/);
    assert.deepEqual((bank as ScriptedBank).received, [], 'the bank received nothing');
  });

  test('text that is not JSON is refused in the page; a whole-number amount goes out as its digits', async () => {
    assert.equal(await refused('{"0":"0200",'), 'the message is not JSON');
    const page = await openConsole(browser as TestBrowser, gw as ConsoleGateway, { settled: true });
    try {
      await page.fill('#compose', compose('000103', '"4":2500'));
      await page.click('#send');
      await page.waitForSelector('#answer:not([hidden]) tbody tr');
      assert.equal(await page.isHidden('#send-error'), true, `no error shown: ${(await page.textContent('#send-error')) ?? ''}`);
    } finally {
      await page.close();
    }
    const received = (bank as ScriptedBank).received;
    assert.deepEqual(received.map((m) => [m['11'], m['4']]), [['000103', '000000002500']]);
  });
});
