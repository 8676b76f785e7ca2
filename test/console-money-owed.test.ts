/**
 * The console shows the money the connector owes: a purchase that timed out at a bank that answers nothing, whose
 * reversal expires unanswered (`--saf-expire-after`), is counted among the SAF entries given up (red), not left at
 * "SAF abandoned 0" and "reversals pending 0". The real gateway binary, a real silent bank, the console's event stream
 * and, for what the page draws of it, a real browser.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, stopAll } from './helpers/cli.js';
import { startBank } from './helpers/silent-bank.js';
import { PosClient, purchase } from './helpers/pos.js';
import { readEvents } from './helpers/sse.js';
import { browserSkip, openBrowser } from './helpers/browser.js';
import { openConsole } from './helpers/console-setup.js';
import type { ConsoleGateway } from './helpers/console-setup.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-console-money-owed-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

declare const document: { getElementById(id: string): { textContent: string | null } | null };

interface Snapshot {
  reversalsPending: number;
  safAbandoned?: number;
  safExpired?: number;
  safGivenUp?: number;
  undeliveredNotReversed?: number;
}

describe('the console of a gateway whose reversal expired unanswered', () => {
  test('the expired reversal is counted as given up (figures and /stats agree); the page\'s tile shows it red', async () => {
    const bank = await startBank();
    after(() => bank.close());
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--reversal-journal', join(work, 'journal'),
      '--request-timeout', '300',
      '--saf-retry-interval', '200',
      '--saf-expire-after', '1000',
      '--log-level', 'fatal',
    ]);
    const base = `http://${gw.http.host}:${gw.http.port}`;
    const pos = await PosClient.open(gw.pos.host, gw.pos.port);
    try {
      const answer = await pos.request(purchase('TERM0001', 1, 1500));
      assert.notEqual(answer['39'], '00', 'the purchase timed out: not approved');
    } finally {
      await pos.close();
    }
    let seen: Snapshot | undefined;
    await readEvents(
      await fetch(`${base}/console/events`),
      (event, data) => {
        if (event !== 'figures') return false;
        seen = data as Snapshot;
        return seen.safGivenUp === 1;
      },
      'the expired reversal among the SAF entries given up',
    );
    const snap = seen as Snapshot;
    assert.equal(snap.safExpired, 1);
    assert.equal(snap.safAbandoned, 0);
    assert.equal(snap.reversalsPending, 0);
    assert.equal(snap.undeliveredNotReversed, 0, 'the gateway counts the approvals not reversed (none here)');
    const stats = (await (await fetch(`${base}/stats`)).json()) as { upstream?: { safExpired?: number } } & Record<string, unknown>;
    assert.match(JSON.stringify(stats), /"safExpired":1/);
    assert.ok(bank.messages().some((m) => m['0'] === '0400'), 'its reversal was sent, never answered');

    if (browserSkip() !== undefined) return;
    const browser = await openBrowser();
    try {
      const page = await openConsole(browser, { base, token: undefined } as ConsoleGateway);
      await page.waitForFunction(() => document.getElementById('saf-abandoned')?.textContent === '1', undefined, { timeout: 20_000 });
      const tile = await page.$eval('#saf-abandoned-tile', (el) => ({ hidden: (el as unknown as { hidden: boolean }).hidden, alert: el.classList.contains('alert'), label: el.textContent }));
      assert.equal(tile.hidden, false);
      assert.equal(tile.alert, true, 'red above 0');
      assert.match(tile.label ?? '', /given up/);
    } finally {
      await browser.close();
    }
  });
});
