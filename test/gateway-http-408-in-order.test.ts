/**
 * HTTP/1.1 answers a connection's requests in order: with the real binary, a client that pipelines a purchase (held
 * at the bank) and then a request that stalls mid-body gets the purchase's answer first and the 408 after it, and the
 * purchase it read is not reversed. The 408 used to be written at once, while the purchase was still at the bank: the
 * client read it as the purchase's answer, the connection was closed, and the approval then came, undelivered, and was
 * reversed. The two tests run side by side on one gateway (connections, terminals and STANs of their own): each waits
 * out the request bound.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpCall, rawHttp, within } from '@iso8583/test-support';
import { approve } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { gatewayInFront, startHoldingBank } from './helpers/held-purchases.js';
import type { HeldGateway, PurchaseHoldingBank } from './helpers/held-purchases.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-http-408-order-'));
/** The gateway's `--request-timeout`, also how long a request has to arrive: the least it takes (2000 ms), the tests wait it out. */
const TIMEOUT = 2_000;
/** How long a wait may take before the test fails as hung: a deadline, never a timing. */
const HUNG = 30_000;

const purchase = (stan: string, terminal: string): string =>
  JSON.stringify({ '0': '0200', '3': '000000', '4': '000000001000', '11': stan, '14': '2812', '41': terminal, '2': '4111111111111111' });

let bank: ScriptedBank;
let gw: HeldGateway['gw'];
/** The bank: it holds the requests of terminal ORDER001 (answered by STAN) and approves the others. */
let holding: PurchaseHoldingBank;

/** Stops the gateway, closes the bank and removes `work`. */
let close: () => Promise<void>;

before(async () => {
  holding = await startHoldingBank((request) => request['41'] === 'ORDER001', approve);
  bank = holding.bank;
  ({ gw, close } = await gatewayInFront(holding, work, ['--request-timeout', String(TIMEOUT)]));
});

after(() => close());

describe('answers in order on one connection', { concurrency: true }, () => {
  test('a request that times out behind a purchase at the bank: the purchase\'s approval is read first, then the 408, and the approval is not reversed', async () => {
    const port = gw.http.port;
    const conn = rawHttp(port);
    try {
      const late = `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"0":"0200",`;
      const body = purchase('000301', 'ORDER001');
      conn.socket.write(`POST /?timeout=${HUNG} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}${late}`);
      const request = await bank.waitFor((m) => m['11'] === '000301', HUNG);
      // A witness stalled the same way on a connection of its own, started after: once it is answered 408, the late
      // request of the first connection has been found late too (Node looks at every connection in one pass).
      const witness = rawHttp(port);
      witness.socket.write(late);
      await within(witness.closed, HUNG, 'the witness was never answered 408');
      assert.match(witness.text(), /^HTTP\/1\.1 408 /);
      holding.answer('000301', approve(request));
      await within(conn.closed, HUNG, 'the pipelining connection was never closed');
      const text = conn.text();
      assert.match(text, /^HTTP\/1\.1 200 [\s\S]*"39":"00"[\s\S]*HTTP\/1\.1 408 [\s\S]*ISO8583_ERR_CONSOLE_REQUEST_TIMEOUT/, `answers out of order: ${JSON.stringify(text)}`);
      // Another purchase answered after: the gateway has had its turn to reverse what it took for undelivered.
      const next = await httpCall(port, 'POST', `/?timeout=${HUNG}`, { 'content-type': 'application/json' }, purchase('000302', 'ORDER002'));
      assert.equal(next.status, 200, next.body);
      assert.equal(bank.received.filter((m) => String(m['0']).startsWith('04') && m['11'] === '000301').length, 0, 'the approval the client read was reversed');
    } finally {
      conn.socket.destroy();
    }
  });

  test('a request answered before its body came (a wrong Host: 421) whose body never comes gets no second answer: its connection is closed', async () => {
    const port = gw.http.port;
    const conn = rawHttp(port);
    try {
      conn.socket.write(`POST / HTTP/1.1\r\nHost: elsewhere.example\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"0":"0200",`);
      // Past the request bound: the body never comes, and the connection is closed (a 408 was written after the 421).
      await within(conn.closed, HUNG, 'the connection was never closed');
      const text = conn.text();
      assert.match(text, /^HTTP\/1\.1 421 /, JSON.stringify(text));
      assert.equal(text.match(/HTTP\/1\.1 /g)?.length, 1, `one answer per request: ${JSON.stringify(text)}`);
    } finally {
      conn.socket.destroy();
    }
  });
});
