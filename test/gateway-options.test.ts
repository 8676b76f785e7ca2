/**
 * Gateway options end to end: TLS on both sides (mutual TLS to the bank, TLS for POS terminals), per-terminal
 * queueing (the bank never sees two requests of one terminal at once) and how long a POS connection may stay silent
 * before its first message.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { makeCertificates, waitUntil, within } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { approve, startBank } from './helpers/bank.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-options-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

describe('iso8583 gateway options', () => {
  test('TLS both ways: mutual TLS to the bank, TLS for POS terminals', async () => {
    const certs = makeCertificates();
    try {
      const file = (name: string, pem: string): string => {
        const path = join(work, name);
        writeFileSync(path, pem);
        return path;
      };
      const ca = file('ca.pem', certs.ca);
      const serverCert = file('server.pem', certs.serverCert);
      const serverKey = file('server.key', certs.serverKey);
      const clientCert = file('client.pem', certs.clientCert);
      const clientKey = file('client.key', certs.clientKey);
      // The bank requires a client certificate signed by the CA.
      const bank = await startSimulator(['--tls-cert', serverCert, '--tls-key', serverKey, '--tls-ca', ca]);
      const gw = await startGateway([
        '--upstream', `${bank.host}:${bank.port}`,
        '--tls-ca', ca, '--tls-cert', clientCert, '--tls-key', clientKey, '--tls-servername', 'localhost',
        '--client-tls-cert', serverCert, '--client-tls-key', serverKey,
        '--reversal-journal', join(work, 'journal-tls'),
        '--log-level', 'warn',
      ]);
      const client = await PosClient.openTls(gw.pos.host, gw.pos.port, certs.ca);
      const answer = await client.request(purchase('TLSTERM1', 1, 1200));
      assert.equal(answer['0'], '0210');
      assert.equal(answer['39'], '00');
      await client.close();
      gw.process.kill('SIGTERM');
      assert.equal((await gw.process.exited).code, 0);
    } finally {
      certs.cleanup();
    }
  });

  test('--terminal-queue: one request per terminal at the bank at a time, terminals still in parallel', async () => {
    const open = new Map<string, number>();
    let mostPerTerminal = 0;
    let mostOverall = 0;
    let overall = 0;
    const terminals = ['QUEUE001', 'QUEUE002', 'QUEUE003'];
    const bank = await startBank(() => undefined);
    // The bank holds its answers until one request of every terminal is open at once, then answers them all: the
    // terminals must have gone in parallel to get there, and a second request of a terminal must wait for its first.
    let held: (() => void)[] = [];
    bank.onRequest((request, write) => {
      const t = String(request['41']);
      open.set(t, (open.get(t) ?? 0) + 1);
      overall++;
      mostPerTerminal = Math.max(mostPerTerminal, open.get(t) ?? 0);
      mostOverall = Math.max(mostOverall, overall);
      held.push(() => {
        open.set(t, (open.get(t) ?? 1) - 1);
        overall--;
        write(approve(request));
      });
      if (held.length >= terminals.length) {
        const release = held;
        held = [];
        for (const answer of release) answer();
      }
    });
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--terminal-queue',
      '--reversal-journal', join(work, 'journal-queue'),
      '--log-level', 'warn',
    ]);
    const clients = await Promise.all(terminals.map(() => PosClient.open(gw.pos.host, gw.pos.port)));
    const answers = await Promise.all(
      terminals.flatMap((t, i) => [1, 2, 3, 4].map((stan) => (clients[i] as PosClient).request(purchase(t, stan, 100 * stan)))),
    );
    for (const a of answers) assert.equal(a['39'], '00');
    assert.equal(mostPerTerminal, 1, 'never two requests of one terminal at the bank');
    assert.ok(mostOverall > 1, 'different terminals went in parallel');
    await Promise.all(clients.map((c) => c.close()));
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
    await bank.close();
  });

  test('--first-message-timeout: a POS connection silent that long after accept is closed; one that sends is served', async (t) => {
    const bank = await startBank(approve);
    t.after(() => bank.close());
    const gw = await startGateway([
      '--upstream', `127.0.0.1:${bank.port}`,
      '--first-message-timeout', '300',
      '--reversal-journal', join(work, 'journal-first'),
      '--log-level', 'warn',
    ]);
    const silent = connect(gw.pos.port, gw.pos.host);
    t.after(() => silent.destroy());
    let received = 0;
    silent.on('data', (chunk: Buffer) => { received += chunk.length; });
    // Within 9 s: the endpoint's own default (10 s) would come too late, so the flag is what closed it.
    await within(new Promise<void>((resolve) => silent.once('close', () => resolve())), 9_000, 'the silent connection to be closed');
    assert.equal(received, 0, 'closed without an answer: there was nothing to answer');
    await waitUntil(() => gw.process.stderr().includes('ISO8583_ERR_INBOUND_FIRST_MESSAGE_TIMEOUT'), { what: 'the closing logged with its code' });
    const client = await PosClient.open(gw.pos.host, gw.pos.port);
    assert.equal((await client.request(purchase('FIRST001', 1, 500)))['39'], '00');
    await client.close();
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });
});
