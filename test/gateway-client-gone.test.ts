/**
 * An approval whose client has gone: the real `iso8583 gateway` in front of a scripted bank that holds its answer
 * until the client's connection is closed. A POS terminal that closes its socket, or an HTTP client that aborts its
 * request, never gets the answer: the merchant thinks the purchase failed while the cardholder is charged, so the
 * gateway reverses the approval (0400, field 90 naming the original), as SocketQueue does. A decline, or an approval
 * of an advice (0220), is left alone. Each client closes its side first and waits for the gateway to close the
 * connection (its proof that the gateway has seen the client go) before the bank answers: no sleeps.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawHttp, readUntil, waitUntil, within } from '@iso8583/test-support';
import type { IsoMessage, MessageInput } from '@iso8583/codec';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { startGateway, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-client-gone-'));
const logFile = join(work, 'gateway.log');
let bank: ScriptedBank;
let pos: { host: string; port: number };
let http: { host: string; port: number };
/** The held answers, by STAN: what the bank received and how to answer it. */
const held = new Map<string, { request: IsoMessage; write: (reply: IsoMessage) => void }>();

before(async () => {
  bank = await startBank(approve);
  // Financial requests and advices wait for the test; everything else (sign-on, echo, reversals) is approved at once.
  bank.onRequest((request, write) => {
    if (request['0'] === '0200' || request['0'] === '0220') held.set(String(request['11']), { request, write });
    else write(approve(request));
  });
  const gw = await startGateway([
    '--upstream', `127.0.0.1:${bank.port}`,
    '--reversal-journal', join(work, 'journal'),
    '--log-file', logFile,
    '--log-level', 'debug',
  ]);
  pos = gw.pos;
  http = gw.http;
});

after(async () => {
  await stopAll();
  await bank.close();
  rmSync(work, { recursive: true, force: true });
});

/** The bank's held request with `stan`, once it has come. */
async function heldRequest(stan: string): Promise<{ request: IsoMessage; write: (reply: IsoMessage) => void }> {
  await bank.waitFor((m) => m['11'] === stan && (m['0'] === '0200' || m['0'] === '0220'), 20_000);
  const entry = held.get(stan);
  assert.ok(entry, `the bank holds ${stan}`);
  return entry;
}

/** The gateway's Prometheus text. */
async function metrics(): Promise<string> {
  const res = await fetch(`http://${http.host}:${http.port}/metrics`);
  return res.text();
}

/** The value of a metric sample (the line starting with `sample`), or 0. */
async function sample(prefix: string): Promise<number> {
  const line = (await metrics()).split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const GONE = 'iso8583_inbound_errors_total{endpoint="pos",code="ISO8583_ERR_INBOUND_CLIENT_GONE"}';

/** A POS terminal that sends `message`, then closes its socket once the bank has it; resolves when the gateway closed. */
async function posGivesUp(message: MessageInput, stan: string): Promise<{ request: IsoMessage; write: (reply: IsoMessage) => void }> {
  const client = await PosClient.open(pos.host, pos.port);
  void client.request(message).catch(() => undefined);
  const entry = await heldRequest(stan);
  // Its FIN: a terminal that gave up. The gateway closing the connection proves it has seen the client go.
  await within(client.close(), 10_000, 'the gateway to close the connection of a POS client that closed its socket');
  return entry;
}

/** Approves or declines a held request, with the bank's own fields. */
function answer(entry: { request: IsoMessage; write: (reply: IsoMessage) => void }, responseCode: string): void {
  entry.write({ ...approve(entry.request), 38: 'A12345', 39: responseCode });
}

/** Proves that a new purchase still goes through, after anything the gateway sent for the earlier ones. */
async function stillWorks(stan: number): Promise<void> {
  const client = await PosClient.open(pos.host, pos.port);
  const answered = client.request(purchase('POSOK001', stan, 100));
  answer(await heldRequest(String(stan).padStart(6, '0')), '00');
  assert.equal((await answered)['39'], '00');
  await client.close();
}

describe('gateway – an approval whose client has gone', () => {
  test('a POS terminal that closes its socket while the bank holds the answer: the approval is reversed (0400, field 90 naming it)', async () => {
    const entry = await posGivesUp(purchase('GONE0001', 301, 1500), '000301');
    answer(entry, '00');
    const reversal = await bank.waitFor((m) => m['0'] === '0400' && m['11'] === '000301', 20_000);
    // Field 90: original MTI, STAN, transmission date and time.
    assert.match(String(reversal['90']), /^02000003011121103000/);
    assert.equal(reversal['4'], '000000001500');
    await waitUntil(() => readFileSync(logFile, 'utf8').includes('"stan":"000301"'), { what: 'the reversal to be logged' });
    const line = readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('"stan":"000301"') && l.includes('client-gone'));
    assert.ok(line, 'a line says the client has gone');
    const logged = JSON.parse(line) as Record<string, unknown>;
    assert.equal(logged.msg, 'an approval could not be delivered (the client has gone): reversed');
    assert.equal(logged.side, 'pos');
    assert.equal(await sample('iso8583_gateway_undelivered_approvals_total{reason="client-gone",side="pos",outcome="reversed"}'), 1);
  });

  test('an HTTP client that aborts its request while the bank holds the answer: the approval is reversed (0400, field 90 naming it)', async () => {
    const body = JSON.stringify(purchase('GONE0002', 302, 2500));
    const socket = connect({ host: http.host, port: http.port });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.resume();
    socket.write(`POST / HTTP/1.1\r\nHost: ${http.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    const entry = await heldRequest('000302');
    // The client gives up: its FIN; the gateway's HTTP server ends the connection in turn (it has seen the abort).
    socket.end();
    await within(closed, 10_000, 'the gateway to close the aborted HTTP connection');
    answer(entry, '00');
    const reversal = await bank.waitFor((m) => m['0'] === '0400' && m['11'] === '000302', 20_000);
    assert.match(String(reversal['90']), /^02000003021121103000/);
    assert.equal(reversal['4'], '000000002500');
    assert.equal(await waitUntil(() => sample('iso8583_gateway_undelivered_approvals_total{reason="client-gone",side="http",outcome="reversed"}'), { what: 'the HTTP reversal to be counted' }), 1);
  });

  test('two purchases pipelined on one HTTP connection, the second approved first: the client reads both, neither is reversed', async () => {
    const approvals = async (): Promise<number> => (await metrics()).split('\n')
      .filter((l) => l.startsWith('iso8583_connector_requests_total{') && l.includes('mti="0200"') && l.includes('response_code="00"'))
      .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    const request = (stan: number): string => {
      const body = JSON.stringify(purchase('PIPE0001', stan, 700));
      return `POST / HTTP/1.1\r\nHost: ${http.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    };
    const client = rawHttp(http.port, http.host);
    try {
      client.socket.write(request(307) + request(308));
      const first = await heldRequest('000307');
      const second = await heldRequest('000308');
      // The second's approval comes first: its answer is made and waits for the first's to be written.
      const before = await approvals();
      answer(second, '00');
      await waitUntil(async () => (await approvals()) === before + 1, { what: 'the gateway to have the second approval' });
      answer(first, '00');
      await within(readUntil(client, /"11":"000307"[\s\S]*"11":"000308"/), 10_000, 'the client to read both approvals');
      // An approval taken for undelivered is counted when it is (the HTTP client of the test before is the one so far),
      // and its reversal follows: a purchase after it shows the bank got none for either.
      assert.equal(await sample('iso8583_gateway_undelivered_approvals_total{reason="client-gone",side="http",outcome="reversed"}'), 1);
      await stillWorks(309);
      assert.deepEqual(bank.received.filter((m) => m['11'] === '000307' || m['11'] === '000308').map((m) => m['0']), ['0200', '0200'],
        'an approval the client read was reversed');
    } finally {
      client.socket.destroy();
    }
  });

  test('a decline whose POS client has gone is not reversed', async () => {
    const before = await sample(GONE);
    const entry = await posGivesUp(purchase('GONE0003', 303, 3500), '000303');
    answer(entry, '05');
    // The gateway has dropped the answer (the client has gone) ...
    await waitUntil(async () => (await sample(GONE)) === before + 1, { what: 'the undelivered decline to be counted' });
    // ... and a purchase after it goes through: the bank saw no reversal of the decline.
    await stillWorks(304);
    assert.equal(bank.received.filter((m) => m['11'] === '000303').map((m) => m['0']).join(','), '0200');
  });

  test('an approved advice (0220) whose POS client has gone is not reversed', async () => {
    const entry = await posGivesUp({ ...purchase('GONE0004', 305, 4500), 0: '0220' }, '000305');
    answer(entry, '00');
    const notReversible = 'iso8583_gateway_undelivered_approvals_total{reason="client-gone",side="pos",outcome="not-reversible"}';
    await waitUntil(async () => (await sample(notReversible)) === 1, { what: 'the undelivered advice to be counted, not reversed' });
    await stillWorks(306);
    assert.equal(bank.received.filter((m) => m['11'] === '000305').map((m) => m['0']).join(','), '0220');
    assert.ok(!readFileSync(logFile, 'utf8').includes('4111111111111111'), 'no PAN in the log');
  });
});
