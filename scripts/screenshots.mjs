/* global document */
// Writes the console's screenshots (docs/images/console*.png) with the browser tests' own setup: the real simulator,
// the real gateway binary with its console, Debian's chromium, POS traffic with test cards. Run `npm run build` first
// (the script imports the compiled test helpers); `npm run screenshots` does both.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openBrowser } from '../test/dist/helpers/browser.js';
import { stopAll } from '../test/dist/helpers/cli.js';
import { driveLoad, openConsole, startConsoleGateway } from '../test/dist/helpers/console-setup.js';
import { createCodec } from '@iso8583/codec';

const out = join(import.meta.dirname, '..', 'docs', 'images');
mkdirSync(out, { recursive: true });

const TOKEN = 'screenshot-token';
const browser = await openBrowser({ width: 1360, height: 1000 });
const gw = await startConsoleGateway({ token: TOKEN, send: true });
try {
  // The sign-in form, as a page without the token sees it.
  const login = await browser.context.newPage();
  await login.goto(`${gw.base}/console`);
  await login.screenshot({ path: join(out, 'console-login.png') });
  await login.close();

  const page = await openConsole(browser, gw);
  // Half a minute of traffic, so the charts have a shape.
  const load = driveLoad(gw.pos, 6);
  await page.waitForFunction(() => Number(document.body.dataset.ticks ?? 0) >= 30, undefined, { timeout: 120_000 });
  await page.screenshot({ path: join(out, 'console.png'), fullPage: false });
  await load.stop();

  const wire = Buffer.from(
    createCodec('iso87ascii').pack({
      '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1130120000', '11': '000042',
      '22': '051', '35': '4111111111111111=30121010000012345678', '41': 'TERM0001', '42': 'TESTMERCHANT001', '49': '840',
      '55': '9F2608571F1E10BD3AC8B99F2701808202580095050000000000',
    }),
  ).toString('hex').toUpperCase();
  await page.fill('#hex', wire);
  await page.click('#decode');
  await page.waitForSelector('#decoded:not([hidden]) tbody tr');
  await page.fill('#compose', JSON.stringify({ '0': '0800', '7': '1130120000', '11': '000001', '70': '301' }, null, 1));
  await page.click('#send');
  await page.waitForSelector('#answer:not([hidden]) tbody tr');
  const workbench = await page.$('section.workbench');
  await workbench.screenshot({ path: join(out, 'console-workbench.png') });
  await page.close();
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  await stopAll();
  gw.cleanup();
}
