/**
 * A graceful stop (SIGTERM) with a purchase at the bank whose client then gives up (a POS terminal closes its socket,
 * an HTTP client aborts): the POS endpoint's drain ends with that connection, the connector starts closing, and the
 * bank's approval comes in during the connector's own drain. The client never gets it, so the approval is reversed
 * exactly once: its reversal is journaled while the connector closes and sent before its link closes, never refused
 * as "the connector is closing" and never lost; a restart on the same journal does not send it again.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reversalsOf, within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { exitWithin, logLine, startGateway, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-stop-client-gone-'));
let bank: ScriptedBank;
/** The held purchases, by STAN: what the bank received and how to answer it. */
const held = new Map<string, { request: IsoMessage; write: (reply: IsoMessage) => void }>();

before(async () => {
  bank = await startBank(approve);
  bank.onRequest((request, write) => {
    if (request['0'] === '0200') held.set(String(request['11']), { request, write });
    else write(approve(request));
  });
});

after(async () => {
  await stopAll();
  await bank.close();
  rmSync(work, { recursive: true, force: true });
});

/**
 * Starts a gateway on `journal`, has `giveUp` put a purchase (`stan`) in flight and, once the gateway is stopping,
 * abandon it; then the bank approves. Returns the gateway's log.
 */
async function stopWithClientGone(name: string, stan: string, giveUp: (gw: Awaited<ReturnType<typeof startGateway>>) => Promise<() => Promise<void>>): Promise<string> {
  const journal = join(work, `journal-${name}`);
  const logFile = join(work, `${name}.log`);
  const gw = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--log-file', logFile]);
  const abandon = await giveUp(gw);
  await bank.waitFor((m) => m['0'] === '0200' && m['11'] === stan, 20_000);
  gw.process.kill('SIGTERM');
  await gw.process.waitForLine(/SIGTERM: stopping/);
  // The client gives up during the stop; the gateway closing its connection proves it has seen it go.
  await within(abandon(), 10_000, 'the gateway to close the connection of the client that gave up');
  const entry = held.get(stan);
  assert.ok(entry, `the bank holds ${stan}`);
  entry.write({ ...approve(entry.request), 38: 'A12345', 39: '00' });
  assert.equal((await exitWithin(gw.process, 20_000, 'the gateway to stop')).code, 0);
  const log = readFileSync(logFile, 'utf8');
  assert.doesNotMatch(log, /NOT reversed/);
  assert.doesNotMatch(log, /could not be stored/);
  // Journaled while the connector closed, and sent before its link closed (its first attempt was under way).
  assert.equal(reversalsOf(bank.received, stan), 1, 'the reversal reached the bank before the gateway exited');
  assert.deepEqual(logLine(log, 'gateway stopped').safLeft, { reversals: 0, advices: 0 });
  // A restart on the same journal finds nothing left to send: its stop (which drains the SAF queue) sends nothing.
  const again = await startGateway(['--upstream', `127.0.0.1:${bank.port}`, '--reversal-journal', journal, '--log-file', join(work, `${name}-2.log`)]);
  again.process.kill('SIGTERM');
  assert.equal((await exitWithin(again.process, 20_000, 'the restarted gateway to stop')).code, 0);
  assert.deepEqual(logLine(readFileSync(join(work, `${name}-2.log`), 'utf8'), 'gateway stopped').safLeft, { reversals: 0, advices: 0 });
  assert.equal(reversalsOf(bank.received, stan), 1, 'exactly one reversal reached the bank');
  return log;
}

describe('gateway – a graceful stop with a client that gives up', () => {
  test('a POS terminal that closes its socket during the stop: its approval, arriving during the connector\'s drain, is reversed exactly once', async () => {
    await stopWithClientGone('pos', '000501', async (gw) => {
      const client = await PosClient.open(gw.pos.host, gw.pos.port);
      void client.request(purchase('STOPGON1', 501, 5010)).catch(() => undefined);
      return () => client.close();
    });
  });

  test('an HTTP client that aborts during the stop: its approval, arriving during the connector\'s drain, is reversed exactly once', async () => {
    await stopWithClientGone('http', '000502', async (gw) => {
      const body = JSON.stringify(purchase('STOPGON2', 502, 5020));
      const socket = connect({ host: gw.http.host, port: gw.http.port });
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => undefined);
      socket.resume();
      socket.write(`POST / HTTP/1.1\r\nHost: ${gw.http.host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return () => {
        socket.end();
        return closed;
      };
    });
  });
});
