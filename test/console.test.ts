/**
 * The operator console in a real browser (Debian's chromium through playwright-core) against the real gateway binary
 * and the real simulator: the token asked everywhere (401 without it, the page works with it), live figures that
 * move under POS load, recent transactions and the workbench's decode masked (411111******1111, never the whole PAN
 * in the DOM), EMV tags named, and sending refused unless --console-send; the figures as an operator reads them (a
 * busy gateway's totals stay inside their tiles, whole; every count written the same way, thousands separated; the
 * charts' axis says 0.25, not 0.3). The gateway without --console-send fronts a scripted bank in this process.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '@iso8583/codec';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { browserSkip, openBrowser } from './helpers/browser.js';
import type { TestBrowser } from './helpers/browser.js';
import { stopAll } from './helpers/cli.js';
import { decodeInWorkbench, driveLoad, openConsole, startConsoleGateway } from './helpers/console-setup.js';
import type { ConsoleGateway } from './helpers/console-setup.js';

const TOKEN = 'console-test-token-3f9a';
const PAN = '4111111111111111';
const WHOLE_PAN = new RegExp(PAN);

/** A tile's box, as far as the figures' test reads it. */
interface Box {
  textContent: string | null;
  scrollWidth: number;
  clientWidth: number;
  closest(selector: string): Box;
  getBoundingClientRect(): { left: number; right: number };
}
/** The page's own globals (the tests compile without the DOM library). */
declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): ArrayLike<Box>;
};
declare function onFigures(snapshot: unknown): void;
declare function axisLabels(max: number): string[];

describe('the operator console in a browser', { skip: browserSkip() }, () => {
  let browser: TestBrowser | undefined;
  let guarded: ConsoleGateway | undefined;
  let open: ConsoleGateway | undefined;
  /** The upstream of the gateway without --console-send (in this process: nothing is sent through it). */
  let bank: ScriptedBank | undefined;

  before(async () => {
    bank = await startBank(approve);
    [browser, guarded, open] = await Promise.all([
      openBrowser(),
      startConsoleGateway({ token: TOKEN, send: true, logLevel: 'debug' }),
      startConsoleGateway({ upstream: bank }),
    ]);
  });

  after(async () => {
    // Everything the guarded gateway wrote (its debug log included) holds neither the token nor a whole PAN.
    const written = `${guarded?.gateway.stdout() ?? ''}${guarded?.gateway.stderr() ?? ''}`;
    await browser?.close();
    await stopAll();
    await bank?.close();
    guarded?.cleanup();
    open?.cleanup();
    assert.doesNotMatch(written, new RegExp(TOKEN), 'the token is never logged');
    assert.doesNotMatch(written, WHOLE_PAN, 'no whole PAN in the log');
  });

  test('--http-token: every route answers 401 ISO8583_ERR_CONSOLE_UNAUTHORIZED without it, the event stream too', async () => {
    const gw = guarded as ConsoleGateway;
    for (const path of ['/console/events', '/stats', '/metrics', '/console/console.js']) {
      const res = await fetch(`${gw.base}${path}`);
      assert.equal(res.status, 401, path);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_UNAUTHORIZED', path);
    }
    const api = await fetch(`${gw.base}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"0":"0800"}' });
    assert.equal(api.status, 401, 'the connector\'s API');
    assert.equal((await fetch(`${gw.base}/stats`, { headers: { authorization: 'Bearer wrong' } })).status, 401, 'a wrong token');
    assert.equal((await fetch(`${gw.base}/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200, 'the token');
  });

  test('--http-token: the page asks to sign in; a wrong token is refused, the right one opens the live console', async () => {
    const gw = guarded as ConsoleGateway;
    const page = await (browser as TestBrowser).context.newPage();
    try {
      const first = await page.goto(`${gw.base}/console`);
      assert.equal(first?.status(), 401);
      await page.fill('#token', 'not-the-token');
      await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
      assert.match((await page.textContent('#login-error')) ?? '', /ISO8583_ERR_CONSOLE_UNAUTHORIZED/);
      await page.fill('#token', TOKEN);
      await Promise.all([page.waitForNavigation(), page.click('#sign-in')]);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
      assert.equal(await page.textContent('#status'), 'live');
      assert.doesNotMatch(page.url(), /token/, 'the token is not left in the address');
      const html = await page.content();
      assert.doesNotMatch(html, new RegExp(TOKEN), 'the token is nowhere in the page');
    } finally {
      await page.close();
    }
  });

  test('live figures move under load through the real gateway; recent transactions show the PAN masked', async () => {
    const gw = guarded as ConsoleGateway;
    const page = await openConsole(browser as TestBrowser, gw);
    try {
      const before = Number(((await page.textContent('#requests')) ?? '0').replace(/,/g, '')) || 0;
      const load = driveLoad(gw.pos, 4);
      let sent = 0;
      try {
        // The page must show traffic while it flows: a rate above 0, latency percentiles of this second, and the
        // declines (13, a zero amount) counted beside the approvals.
        await page.waitForFunction(
          () =>
            Number((document.getElementById('rate')?.textContent ?? '').replace(/,/g, '')) > 0 &&
            (document.getElementById('p99')?.textContent ?? '-') !== '-' &&
            Array.from(document.querySelectorAll('#outcomes tbody td:first-child')).some((td) => td.textContent === '13'),
          undefined,
          { timeout: 20_000 },
        );
      } finally {
        sent = await load.stop();
      }
      assert.ok(sent > 0);
      await page.waitForFunction(
        (total) => Number((document.getElementById('requests')?.textContent ?? '').replace(/,/g, '')) >= total,
        before + sent,
        { timeout: 20_000 },
      );
      const codes = await page.$$eval('#outcomes tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
      assert.ok(codes.includes('00') && codes.includes('13'), `outcomes by response code: ${codes.join(', ')}`);
      assert.equal(await page.textContent('#upstreams tbody tr td:nth-child(2)'), 'up');
      await page.waitForSelector('#recent tbody tr');
      const pans = await page.$$eval('#recent tbody tr td:nth-child(5)', (tds) => tds.map((td) => td.textContent));
      assert.ok(pans.length > 0 && pans.every((p) => p === '411111******1111' || p === '555555******4444'), pans.join(', '));
      const html = await page.content();
      assert.doesNotMatch(html, WHOLE_PAN, 'the whole PAN is nowhere in the DOM');
      assert.doesNotMatch(html, /5555555555554444|30121010000012345678/);
    } finally {
      await page.close();
    }
  });

  test('the workbench decodes a purchase: names, the PAN as 411111******1111, field 55 as named tags', async () => {
    const gw = guarded as ConsoleGateway;
    const page = await openConsole(browser as TestBrowser, gw, { settled: true });
    try {
      const wire = Buffer.from(
        createCodec('iso87ascii').pack({
          '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '11': '000042', '35': `${PAN}=30121010000012345678`,
          '41': 'TERM0001', '55': '9F2608571F1E10BD3AC8B99F2701808202580095050000000000',
        }),
      ).toString('hex');
      const rows = await decodeInWorkbench(page, wire);
      const row = (id: string): string[] | undefined => rows.find((r) => r[0] === id);
      assert.deepEqual(row('2')?.slice(0, 3), ['2', 'PRIMARY ACCOUNT NUMBER (PAN)', '411111******1111']);
      assert.equal(row('35')?.[2], '411111******1111=********************');
      assert.equal(row('0')?.[3], 'ISO 8583:1987, financial, request, acquirer');
      assert.deepEqual(row('55.9F26')?.slice(1, 3), ['Application Cryptogram', '[8 bytes hidden]']);
      assert.equal(row('55.95')?.[1], 'Terminal Verification Results');
      const html = await page.content();
      assert.doesNotMatch(html, WHOLE_PAN, 'the whole PAN is nowhere in the DOM');
      assert.doesNotMatch(html, /571F1E10BD3AC8B9/, 'no EMV value in the DOM');
      // A bad image: the coded error, naming the problem.
      await page.fill('#hex', '08zz');
      await page.click('#decode');
      await page.waitForSelector('#decode-error:not([hidden])');
      assert.match((await page.textContent('#decode-error')) ?? '', /^ISO8583_ERR_CONSOLE_INPUT: hex: not a hex digit at position 3$/);
    } finally {
      await page.close();
    }
  });

  test('send: refused (403 ISO8583_ERR_CONSOLE_SEND_OFF, button off) without --console-send; answered with it', async () => {
    const off = open as ConsoleGateway;
    const refused = await fetch(`${off.base}/console/api/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: { '0': '0800', '11': '000001', '70': '301' } }),
    });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'ISO8583_ERR_CONSOLE_SEND_OFF');
    const offPage = await openConsole(browser as TestBrowser, off);
    try {
      assert.equal(await offPage.isDisabled('#send'), true);
      assert.match((await offPage.textContent('#send-state')) ?? '', /--console-send/);
    } finally {
      await offPage.close();
    }
    const page = await openConsole(browser as TestBrowser, guarded as ConsoleGateway, { settled: true });
    try {
      await page.fill('#compose', JSON.stringify({ '0': '0200', '2': PAN, '3': '000000', '4': '500', '7': '1130120000', '11': '000777', '41': 'TERM0777', '49': '840' }));
      await page.click('#send');
      await page.waitForSelector('#answer:not([hidden]) tbody tr');
      const rows = await page.$$eval('#answer tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      assert.deepEqual(rows.find((r) => r[0] === '39')?.slice(2, 4), ['00', 'approved']);
      assert.equal(rows.find((r) => r[0] === '2')?.[2], '411111******1111');
      assert.doesNotMatch(await page.$eval('#answer', (t) => t.outerHTML), WHOLE_PAN);
    } finally {
      await page.close();
    }
  });
  test('a PAN in free text (48, 62) is masked in the workbench\'s decode', async () => {
    // In an upstream's answer that echoes it: test/console-send-once.test.ts (its gateway sends to a bank that echoes).
    const page = await openConsole(browser as TestBrowser, guarded as ConsoleGateway, { settled: true });
    try {
      const wire = Buffer.from(
        createCodec('iso87ascii').pack({ '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '11': '000043', '41': 'TERM0001', '48': `CARD ${PAN} REF`, '62': `X${PAN}` }),
      ).toString('hex');
      const rows = await decodeInWorkbench(page, wire);
      assert.equal(rows.find((r) => r[0] === '48')?.[2], 'CARD 411111******1111 REF');
      assert.equal(rows.find((r) => r[0] === '62')?.[2], 'X411111******1111');
      assert.doesNotMatch(await page.content(), WHOLE_PAN, 'the whole PAN is nowhere in the DOM');
    } finally {
      await page.close();
    }
  });

  test('--http-token: the sign-in page has the console\'s headers (CSP, never in a frame, no sniffing)', async () => {
    const gw = guarded as ConsoleGateway;
    const page = await fetch(`${gw.base}/console`);
    const console = await fetch(`${gw.base}/console?token=${encodeURIComponent(TOKEN)}`, { redirect: 'manual' });
    const cookie = (console.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const signedIn = await fetch(`${gw.base}/console`, { headers: { cookie } });
    assert.equal(page.status, 401);
    assert.equal(signedIn.status, 200);
    for (const name of ['content-security-policy', 'x-content-type-options', 'referrer-policy', 'cache-control']) {
      assert.equal(page.headers.get(name), signedIn.headers.get(name), name);
    }
    assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  });

  test('a busy gateway\'s totals stay whole inside their tiles; counts in the tables are written as in the tiles', async () => {
    const page = await openConsole(browser as TestBrowser, open as ConsoleGateway);
    try {
      // One snapshot of a gateway up for months (the page is sent it as the stream would), drawn at once and read back
      // in the same turn of the page's event loop: the real stream's next tick would redraw the tables between two calls.
      const drawn = await page.evaluate(() => {
        onFigures({
          t: Date.now(), rate: 123456.7, p50: 1234.56, p95: 98765.43, p99: 123456.78,
          totals: { requests: 123456789012, responses: 123456789012, timeouts: 98765432, errors: 1234567 },
          byResponseCode: { '00': 123456789012 }, connectors: { upstream: { connected: 1, inFlight: 12345, pending: 67890, reversalsPending: 1234567 } },
          clients: { pos: 12345 }, reversalsPending: 1234567, safDepth: 987654, safAbandoned: 12,
        });
        const tiles = Array.from(document.querySelectorAll('.tile .figure')).map((f) => {
          const inner = f.getBoundingClientRect();
          const outer = f.closest('.tile').getBoundingClientRect();
          return { text: f.textContent, inside: inner.left >= outer.left && inner.right <= outer.right && f.scrollWidth <= f.clientWidth };
        });
        const upstream = Array.from(document.querySelectorAll('#upstreams tbody tr td')).map((td) => td.textContent);
        const clients = Array.from(document.querySelectorAll('#clients tbody tr td:nth-child(2)'))[0]?.textContent;
        return { tiles, upstream, clients };
      });
      const { tiles, upstream } = drawn;
      for (const t of tiles) assert.equal(t.inside, true, `${t.text ?? ''} stays inside its tile`);
      assert.ok(tiles.some((t) => t.text === '123,456,789,012'), 'the requests since the start, whole');
      assert.ok(tiles.some((t) => t.text === '98,765,432 / 1,234,567'));
      assert.deepEqual(upstream.slice(2), ['1', '12,345', '67,890', '1,234,567']);
      assert.equal(drawn.clients, '12,345');
    } finally {
      await page.close();
    }
  });

  test('the charts\' axis by quarters of a nice top: 0.25 and 1.25, not 0.3 and 1.3', async () => {
    const page = await openConsole(browser as TestBrowser, open as ConsoleGateway);
    try {
      assert.deepEqual(await page.evaluate(() => axisLabels(1)), ['0', '0.25', '0.5', '0.75', '1']);
      assert.deepEqual(await page.evaluate(() => axisLabels(5)), ['0', '1.25', '2.5', '3.75', '5']);
      assert.deepEqual(await page.evaluate(() => axisLabels(200000)), ['0', '50,000', '100,000', '150,000', '200,000']);
    } finally {
      await page.close();
    }
  });

  test('--http-token: a stream refused with 401 (the session gone) says "signed out", not "reconnecting" forever', async () => {
    const gw = guarded as ConsoleGateway;
    const page = await openConsole(browser as TestBrowser, gw);
    try {
      // The session cookie is gone when the stream connects again: the real server refuses it (401), and the
      // browser's EventSource closes for good. (Last: the browser is signed out after it.)
      await page.route('**/console/events', async (route) => {
        await page.context().clearCookies();
        return route.continue();
      });
      await page.reload();
      await page.waitForFunction(() => document.getElementById('status')?.textContent === 'signed out: reload to sign in', undefined, { timeout: 20_000 });
      assert.equal(await page.getAttribute('#status', 'data-state'), 'closed');
    } finally {
      await page.close();
    }
  });
});
