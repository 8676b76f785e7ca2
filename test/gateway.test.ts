/**
 * The gateway end to end: the real `iso8583 gateway` in front of the real `iso8583 simulate-host`, binary POS clients
 * and HTTP clients at once, clashing STANs on different terminals.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import type { CliProcess } from './helpers/cli.js';
import { runMainBatch } from './helpers/main-batch.js';
import type { BatchResult } from './helpers/main-batch.js';
import { PosClient, purchase } from './helpers/pos.js';
import { waitUntil } from '@iso8583/test-support';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gateway-'));
let gateway: CliProcess;
let pos: { host: string; port: number };
let http: string;
const logFile = join(work, 'gateway.log');

before(async () => {
  const bank = await startSimulator();
  const gw = await startGateway([
    '--upstream', `${bank.host}:${bank.port}`,
    '--reversal-journal', join(work, 'journal'),
    '--log-file', logFile,
    // The most verbose level: the test below checks that no log line carries a PAN.
    '--log-level', 'trace',
  ]);
  gateway = gw.process;
  pos = gw.pos;
  http = `http://${gw.http.host}:${gw.http.port}`;
});

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

/** POST a JSON message; the connector's route answers `{ result, errors }`. */
async function postJson(path: string, body: unknown): Promise<{ status: number; body: Record<string, string>; errors: unknown[] }> {
  const res = await fetch(`${http}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { result: Record<string, string> | null; errors: unknown[] };
  return { status: res.status, body: answer.result ?? {}, errors: answer.errors };
}

describe('iso8583 gateway', () => {
  test('routes every answer to its own client: 8 POS connections and HTTP clients at once, same STANs on different terminals', async () => {
    const terminals = Array.from({ length: 8 }, (_, i) => `POS0000${i + 1}`);
    const clients = await Promise.all(terminals.map(() => PosClient.open(pos.host, pos.port)));
    const work: Promise<void>[] = [];
    // Every terminal uses STANs 1..6: the gateway must tell them apart by terminal id (41).
    terminals.forEach((terminal, t) => {
      for (let stan = 1; stan <= 6; stan++) {
        const amount = 1000 + t * 100 + stan;
        work.push(
          (clients[t] as PosClient).request(purchase(terminal, stan, amount)).then((answer) => {
            assert.equal(answer['0'], '0210');
            assert.equal(answer['41'], terminal);
            assert.equal(Number(answer['11']), stan);
            assert.equal(Number(answer['4']), amount, 'the answer carries this request amount');
            assert.equal(answer['39'], '00');
          }),
        );
      }
    });
    for (let h = 1; h <= 4; h++) {
      for (let stan = 1; stan <= 6; stan++) {
        const terminal = `WEB0000${h}`;
        const amount = 5000 + h * 100 + stan;
        const request = Object.fromEntries(Object.entries(purchase(terminal, stan, amount)).map(([k, v]) => [k, String(v)]));
        work.push(
          postJson('/', request).then(({ status, body }) => {
            assert.equal(status, 200);
            assert.equal(body['0'], '0210');
            assert.equal(body['41'], terminal);
            assert.equal(Number(body['11']), stan);
            assert.equal(Number(body['4']), amount);
          }),
        );
      }
    }
    await Promise.all(work);
    for (const c of clients) assert.deepEqual(c.strays, [], 'no answer reached the wrong connection');
    await Promise.all(clients.map((c) => c.close()));
  });

  test('a POS client keeps its connection for several transactions in a row', async () => {
    const client = await PosClient.open(pos.host, pos.port);
    for (let stan = 100; stan < 105; stan++) {
      const answer = await client.request(purchase('KEEPALV1', stan, 700));
      assert.equal(answer['39'], '00');
    }
    await client.close();
  });

  test('HTTP: XML in gives XML out, and POST /raw takes and gives hex', async () => {
    const xml = `<ISOMessage><data><field id="0">0200</field><field id="2">5500000000000004</field>` +
      `<field id="3">000000</field><field id="4">000000001234</field><field id="11">000777</field>` +
      `<field id="41">XMLTERM1</field><field id="49">840</field></data></ISOMessage>`;
    const res = await fetch(`${http}/`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: xml });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /<ISOMessage>/);
    assert.match(text, /<field id="0">0210<\/field>/);
    assert.match(text, /<field id="39">00<\/field>/);

    const { createCodec } = await import('@iso8583/codec');
    const codec = createCodec('iso87ascii');
    const hex = codec.pack(purchase('RAWTERM1', 778, 4321)).toString('hex').toUpperCase();
    const raw = await fetch(`${http}/raw`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: hex });
    assert.equal(raw.status, 200);
    const answerHex = (await raw.text()).trim().replace(/^"|"$/g, '');
    const answer = codec.unpack(Buffer.from(answerHex.replace(/[^0-9A-Fa-f]/g, ''), 'hex'));
    assert.equal(answer['0'], '0210');
    assert.equal(answer['41'], 'RAWTERM1');
  });

  test('HTTP: an invalid message is refused with 400 naming the fields, never echoing a value', async () => {
    const { status, errors } = await postJson('/', { '0': '0200', '2': '4111111111111111X', '4': 'abc', '41': 'BADTERM1' });
    assert.equal(status, 400);
    const text = JSON.stringify(errors);
    assert.match(text, /"2"|field 2|\b2\b/);
    assert.doesNotMatch(text, /4111111111111111/);
  });

  test('GET /stats shows amounts, counts by MTI and by response code; GET /metrics is Prometheus text', async () => {
    const res = await fetch(`${http}/stats`);
    assert.equal(res.status, 200);
    const stats = (await res.json()) as { upstream: Record<string, unknown>; pos: Record<string, unknown> };
    const up = stats.upstream as { requests: number; byMti: Record<string, number>; byResponseCode: Record<string, number>; amounts: Record<string, unknown> };
    assert.ok(up.requests >= 48 + 24, `requests counted (${up.requests})`);
    assert.ok((up.byMti['0200'] ?? 0) >= 72);
    assert.ok((up.byResponseCode['00'] ?? 0) >= 72);
    assert.ok('processed' in up.amounts && 'reversal' in up.amounts && 'refund' in up.amounts && 'secured' in up.amounts);

    const metrics = await fetch(`${http}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /^# HELP /m);
    assert.match(text, /process_cpu_seconds_total/);
    assert.match(text, /iso8583_/);
  });

  test('SIGHUP reopens the log file and resets the stats', async () => {
    assert.ok(existsSync(logFile));
    renameSync(logFile, `${logFile}.1`);
    gateway.kill('SIGHUP');
    // The gateway logs the SIGHUP to the reopened file: wait for the new file to appear with that line.
    await waitUntil(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('SIGHUP'), {
      what: 'the SIGHUP line in the reopened log file',
    });
    const stats = (await (await fetch(`${http}/stats`)).json()) as { upstream: { requests: number } };
    assert.equal(stats.upstream.requests, 0);
    const logs = readFileSync(`${logFile}.1`, 'utf8') + readFileSync(logFile, 'utf8');
    assert.match(logs, /"stan"|"mti"/, 'the trace log has message lines');
    assert.doesNotMatch(logs, /4111111111111111|5500000000000004|30121010000012345678/, 'no PAN or track data in the log');
  });
});

describe('iso8583 gateway configuration', () => {
  test('reads every flag from a JSON config file; flags win', async () => {
    const bank = await startSimulator();
    const file = join(work, 'gateway.json');
    writeFileSync(file, JSON.stringify({ upstream: '127.0.0.1:1', listen: 0, http: 0, logLevel: 'warn', reversalJournal: join(work, 'j2') }));
    const gw = startCli(['gateway', '--config', file, '--upstream', `${bank.host}:${bank.port}`, '--metrics', '0']);
    const m = await gw.waitForLine(/^gateway listening pos=(\S+) http=(\S+) metrics=(\S+)/);
    const metrics = await fetch(`http://${m[3] as string}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /iso8583_connector_/);
    const [host, port] = (m[1] as string).split(':');
    const client = await PosClient.open(host as string, Number(port));
    const answer = await client.request(purchase('CFGTERM1', 1, 100));
    assert.equal(answer['39'], '00', 'the --upstream flag won over the file');
    await client.close();
    gw.kill('SIGTERM');
    assert.equal((await gw.exited).code, 0);
  });

  // The two refusals run in one process (`main` for each, helpers/main-batch.ts): the real binary starts from a config
  // file above, and refuses (exit 1, the error line on stderr) in gateway-upstream-tls and ports-in-use.
  let refusals: Promise<BatchResult[]> | undefined;
  const refusal = async (i: number): Promise<BatchResult> => {
    refusals ??= (() => {
      const file = join(work, 'bad.json');
      writeFileSync(file, JSON.stringify({ upstream: 'nohostport', listen: 70000, frmae: 'binary2' }));
      return runMainBatch([['gateway', '--config', file], ['gateway', '--upstream', '127.0.0.1:9', '--listen', 'eighty']]);
    })();
    return (await refusals)[i] as BatchResult;
  };

  test('a config file with a wrong key or value is refused, naming every offending key', async () => {
    const gw = await refusal(0);
    assert.equal(gw.code, 1);
    const err = gw.stderr;
    assert.match(err, /ISO8583_ERR_GATEWAY_CONFIG/);
    assert.match(err, /\/upstream/);
    assert.match(err, /\/listen/);
    assert.match(err, /\/frmae/);
  });

  test('a bad flag value is refused naming the flag', async () => {
    const gw = await refusal(1);
    assert.notEqual(gw.code, 0);
    assert.match(gw.stderr, /--listen/);
  });
});
