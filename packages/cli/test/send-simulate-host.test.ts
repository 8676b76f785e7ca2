// `iso8583 simulate-host` and `iso8583 send` end to end: real processes talking over a real socket. The simulators
// (real binaries, one per set of flags) start together before the tests; the first echo is a real `send` process, the
// other sends run in one process (`main` for each, helpers/main-batch.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, reservePort } from '@iso8583/test-support';
import { runCli, startCli } from './cli-process.js';
import type { RunningCli } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';
import { ECHO, PURCHASE } from './messages.js';

const certs = makeCertificates();
const dir = mkdtempSync(join(tmpdir(), 'iso8583-cli-tls-'));
const file = (name: string, pem: string): string => {
  const path = join(dir, name);
  writeFileSync(path, pem);
  return path;
};
const ca = file('ca.pem', certs.ca);
const client = ['--tls-cert', file('client.pem', certs.clientCert), '--tls-key', file('client.key', certs.clientKey)];

/** The simulators of the tests, by what they are for. */
const hosts: Record<'plain' | 'xml' | 'tpdu' | 'tls' | 'slow', RunningCli | undefined> = { plain: undefined, xml: undefined, tpdu: undefined, tls: undefined, slow: undefined };
/** A port nothing listens on (a server's, closed). */
let closedPort = 0;

before(async () => {
  const started = await Promise.allSettled([
    startCli(['simulate-host', '--port', '0']),
    startCli(['simulate-host', '--port', '0', '--frame', 'ascii4', '--dialect', 'iso87binary']),
    startCli(['simulate-host', '--port', '0', '--header-bytes', '5']),
    startCli(['simulate-host', '--port', '0', '--tls-cert', file('server.pem', certs.serverCert), '--tls-key', file('server.key', certs.serverKey), '--tls-ca', ca]),
    startCli(['simulate-host', '--port', '0', '--delay', '1500']),
  ]);
  (['plain', 'xml', 'tpdu', 'tls', 'slow'] as const).forEach((name, i) => {
    const s = started[i] as PromiseSettledResult<RunningCli>;
    if (s.status === 'fulfilled') hosts[name] = s.value;
  });
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  // Reserved, not a listener started and closed: the system would hand that port out again meanwhile.
  closedPort = (await reservePort()).port;
});

after(async () => {
  await Promise.all(Object.values(hosts).map((h) => h?.stop()));
  certs.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** The port of a simulator, once `before` started it. */
const port = (name: keyof typeof hosts): string => String((hosts[name] as RunningCli).port);

const sends = mainBatch();

test('simulate-host on port 0 prints the port it listens on and send gets the 0810 of an 0800 (JSON)', async () => {
  const host = hosts.plain as RunningCli;
  assert.equal(host.host, '127.0.0.1');
  assert.ok(host.port > 0);
  const r = await runCli(['send', '--port', String(host.port)], JSON.stringify(ECHO));
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  const answer = JSON.parse(r.stdout) as Record<string, string>;
  assert.equal(answer['0'], '0810');
  assert.equal(answer['11'], ECHO['11']);
  assert.equal(answer['39'], '00');
});

const xmlFields = Object.entries(PURCHASE).map(([id, v]) => `<field id="${id}">${v}</field>`).join('');
const xml = sends.line(async () => ['send', '--port', port('xml'), '--frame', 'ascii4', '--dialect', 'iso87binary'], `<ISOMessage><data>${xmlFields}</data></ISOMessage>`);
test('send answers XML with XML, and a 0200 purchase with a test card gets its 0210', async () => {
  const r = await xml();
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  const answer = Object.fromEntries([...r.stdout.matchAll(/<field id="(\d+)">([^<]*)<\/field>/g)].map((m) => [m[1], m[2]]));
  assert.equal(answer['0'], '0210');
  assert.equal(answer['11'], PURCHASE['11']);
  assert.equal(answer['41'], PURCHASE['41']);
  assert.match(answer['39'] ?? '', /^[0-9A-Z]{2}$/);
});

const tpdu = sends.line(async () => ['send', '--port', port('tpdu'), '--header-hex', '6000010002'],
  '<ISOMessage><data><field id="0">0800</field><field id="11">000044</field><field id="70">301</field></data></ISOMessage>');
test('send --header-hex sends a TPDU and the XML answer carries it back with source and destination swapped', async () => {
  const r = await tpdu();
  assert.equal(r.stderr, '');
  const header = /<header>([^<]*)<\/header>/.exec(r.stdout)?.[1];
  assert.ok(header !== undefined, 'the answer has a <header>');
  assert.equal(Buffer.from(header, 'base64').toString('hex'), '6000020001');
  assert.match(r.stdout, /<field id="0">0810<\/field>/);
});

const tlsOk = sends.line(async () => ['send', '--port', port('tls'), '--tls-ca', ca, ...client], JSON.stringify(ECHO));
const tlsUntrusted = sends.line(async () => ['send', '--port', port('tls'), '--timeout', '3000', '--tls-ca', file('other.pem', certs.otherCa), ...client], JSON.stringify(ECHO));
test('send and simulate-host speak mutual TLS with the --tls-* files', async () => {
  const ok = await tlsOk();
  assert.equal(ok.stderr, '');
  assert.equal((JSON.parse(ok.stdout) as Record<string, string>)['0'], '0810');
  // a client that trusts another CA refuses the host's certificate
  const untrusted = await tlsUntrusted();
  assert.notEqual(untrusted.code, 0);
  assert.match(untrusted.stderr, /^iso8583: [A-Z0-9_]+: /);
});

const nothingListens = sends.line(async () => ['send', '--port', String(closedPort), '--timeout', '3000'], JSON.stringify(ECHO));
test('send to a port where nothing listens fails with a coded error', async () => {
  const r = await nothingListens();
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^iso8583: [A-Z0-9_]+: /);
});

const late = sends.line(async () => ['send', '--port', port('slow'), '--timeout', '200'], JSON.stringify(ECHO));
test('send gives up after --timeout when the host answers too late', async () => {
  const r = await late();
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^iso8583: [A-Z0-9_]*TIMEOUT[A-Z0-9_]*: /);
});

const invalid = sends.line(['send', '--port', '1'], JSON.stringify({ ...PURCHASE, '4': '12.50' }));
test('send refuses an invalid message before connecting, naming the field and not the PAN', async () => {
  const r = await invalid();
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_[A-Z_]+: .*(^|[^0-9])4([^0-9]|$)/);
  assert.ok(!r.stderr.includes('4111111111111111'));
});

test('simulate-host stops on SIGTERM with exit code 0', async () => {
  // The first test's simulator, which no test uses after this one.
  const host = hosts.plain as RunningCli;
  const r = await host.stop();
  assert.equal(r.code, 0);
  assert.equal(r.signal, null);
  // the port is closed once the process has gone
  await assert.rejects(new Promise((resolve, reject) => {
    const s = net.connect({ host: host.host, port: host.port }, () => {
      s.destroy();
      resolve(undefined);
    });
    s.on('error', reject);
  }));
});
