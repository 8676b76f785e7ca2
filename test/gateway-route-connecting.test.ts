/**
 * The gateway with routes, right after its start: an upstream still on its first connect attempt (its host holds the
 * sign-on answer) is connecting, not down. A POS request routed to it waits for that attempt and is answered by it,
 * not answered 91 at once as if the upstream were down. Real binary, real hosts on 127.0.0.1 port 0.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { responseMti } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { waitUntil, within } from '@iso8583/test-support';
import { startGateway, stopAll } from './helpers/cli.js';
import { startRawBank } from './helpers/raw-bank.js';
import type { RawBank } from './helpers/raw-bank.js';
import { PosClient, purchase } from './helpers/pos.js';

const banks: RawBank[] = [];
after(async () => {
  await stopAll();
  for (const b of banks) await b.close();
});

const approve = (request: IsoMessage): IsoMessage => ({ ...request, '0': responseMti(String(request['0'])) ?? '0210', '39': '00' });

test('a request routed to an upstream still signing on for the first time after the start waits for it, then is answered by it', async () => {
  const visa = await startRawBank(approve);
  banks.push(visa);
  // mc holds its first sign-on answer until the test lets it go.
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let signOns = 0;
  const mc = await startRawBank((request) => {
    if (request['0'] === '0800' && signOns++ === 0) return released.then(() => approve(request));
    return approve(request);
  });
  banks.push(mc);
  const gw = await startGateway([
    '--upstream', `visa=127.0.0.1:${visa.port}`,
    '--upstream', `mc=127.0.0.1:${mc.port}`,
    '--route', '4=visa',
    '--route', '5=mc',
    '--sign-on',
    '--request-timeout', '10000',
    '--log-level', 'warn',
  ]);
  await waitUntil(() => (mc.received.some((m) => m['0'] === '0800') ? true : undefined), { what: 'mc asked to sign on' });
  const client = await PosClient.open(gw.pos.host, gw.pos.port);
  const routed = client.request(purchase('CONNECT1', 1, 100, '5555555555554444'));
  // The request is in flight at mc (it waits for mc's first attempt): before, it was answered 91 at once.
  const metrics = `http://${gw.http.host}:${gw.http.port}/metrics`;
  await waitUntil(async () => (/iso8583_upstream_in_flight\{upstream="mc"\} 1/.test(await (await fetch(metrics)).text()) ? true : undefined), {
    what: 'the routed request waiting at mc',
  });
  release();
  const answer = await within(routed, 15_000, 'the answer to the routed request');
  assert.equal(answer['39'], '00', 'answered by mc, not 91');
  assert.ok(mc.received.some((m) => m['0'] === '0200'), 'mc had the purchase');
  assert.ok(!visa.received.some((m) => m['0'] === '0200'), 'never sent to another network');
  await client.close();
  gw.process.kill('SIGTERM');
  assert.equal((await gw.process.exited).code, 0);
});
