// `iso8583 load`: terminals on their own connections, purchases with test cards, and a summary of what came back. The
// refusals run in one process (helpers/main-batch.ts); the runs against a host are the real binary.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createCodec, MessageStream } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { runCli, startCli } from './cli-process.js';
import { mainBatch } from './helpers/main-batch.js';
import { tlsFiles } from './helpers/tls-files.js';
import { purchaseRequest } from '../src/load/purchase.js';

interface Summary {
  clients: number;
  connectFailures: number;
  sent: number;
  answered: number;
  tps: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  outcomes: Record<string, number>;
}

const TEST_PANS = ['4111111111111111', '5500000000000004', '4761739001010010'];

/**
 * A host on a real socket that answers every 0200 with an 0210 (response code 00, or 51 for odd STANs of the second
 * connection) and records each request with the connection it came on.
 */
async function recordingHost(): Promise<{ port: number; seen: { conn: number; message: IsoMessage }[]; close: () => Promise<void> }> {
  const codec = createCodec('iso87ascii');
  const seen: { conn: number; message: IsoMessage }[] = [];
  let connections = 0;
  const server = net.createServer((socket) => {
    const conn = connections++;
    const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (frame) => {
        const message = stream.decode(frame).message;
        seen.push({ conn, message });
        const code = conn === 1 && Number(message['11']) % 2 === 1 ? '51' : '00';
        const reply: IsoMessage = { ...message, '0': '0210', '39': code };
        delete reply['2'];
        stream.send(reply);
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A host that answers every purchase `delayMs` after it arrives (an 0210 with 39 = 00). */
async function slowHost(t: { after: (fn: () => Promise<void>) => void }, delayMs: number): Promise<number> {
  const codec = createCodec('iso87ascii');
  const server = net.createServer((socket) => {
    const stream = new MessageStream(socket, { framing: { lengthHeader: 'binary2' }, codec }, {
      frame: (frame) => {
        const reply: IsoMessage = { ...stream.decode(frame).message, '0': '0210', '39': '00' };
        delete reply['2'];
        delete reply['35'];
        setTimeout(() => stream.send(reply), delayMs);
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as net.AddressInfo).port;
}

test('the 1993 purchase carries the function code of an original request (24 = 200) and packs in both 1993 dialects', () => {
  const request = purchaseRequest('LD000001', 1, 0, new Date(Date.UTC(2026, 11, 2, 10, 0, 0)), '1993');
  assert.equal(request['24'], '200');
  for (const dialect of ['iso93ascii', 'iso93binary']) {
    const codec = createCodec(dialect);
    assert.equal(codec.unpack(codec.pack(request))['24'], '200', dialect);
  }
  assert.equal(purchaseRequest('LD000001', 1, 0, new Date(), '1987')['24'], undefined);
});

/** A port nothing listens on (a server's, closed), and a server counting the connections made to it (closing each). */
let closedPort = 0;
let connections = 0;
const counting = net.createServer((socket) => {
  connections += 1;
  socket.destroy();
});
before(async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closedPort = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
});
after(() => new Promise<void>((resolve) => counting.close(() => resolve())));

/** The refusals, in one process (`main` for each, helpers/main-batch.ts). */
const refusals = mainBatch();

const noTerminal = refusals.line(async () => ['load', '--port', String(closedPort), '--clients', '2', '--count', '4', '--quiet']);
test('load when no terminal can connect fails with ISO8583_ERR_CLI_LOAD', async () => {
  const r = await noTerminal();
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_LOAD: no client could connect/);
});

// smartvista's field 41 and 42 are numeric: the load's terminal ids (LD000001) and merchant id cannot go in them.
const smartvista = refusals.line(async () => ['load', '--port', String((counting.address() as net.AddressInfo).port), '--dialect', 'smartvista', '--clients', '2', '--count', '4', '--quiet']);
test('load refuses a dialect that cannot carry its purchase before it connects, naming --dialect and the fields', async () => {
  const r = await smartvista();
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_OPTION: --dialect smartvista: the load's 0200 purchase cannot be packed in it: invalid message: 41 \(.*\); 42 \(/);
  assert.equal(connections, 0, 'no connection opened');
});

const countAndDuration = refusals.line(['load', '--port', '8583', '--count', '10', '--duration', '5']);
test('load refuses --count with --duration', async () => {
  const r = await countAndDuration();
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CLI_USAGE: give --count or --duration/);
});

// The runs against a host share nothing (each its own host, its own `iso8583 load`): side by side.
describe('load against a host', { concurrency: true }, () => {
  test('load sends --count purchases over --clients connections, one terminal id per connection', async (t) => {
    const host = await recordingHost();
    t.after(() => host.close());
    const r = await runCli(['load', '--port', String(host.port), '--clients', '3', '--count', '30', '--json', '--quiet']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const summary = JSON.parse(r.stdout) as Summary;
    assert.equal(summary.clients, 3);
    assert.equal(summary.sent, 30);
    assert.equal(summary.answered, 30);
    assert.equal(host.seen.length, 30);

    const byConnection = new Map<number, IsoMessage[]>();
    for (const { conn, message } of host.seen) byConnection.set(conn, [...(byConnection.get(conn) ?? []), message]);
    assert.equal(byConnection.size, 3);
    const terminals = new Set<string>();
    for (const messages of byConnection.values()) {
      const ids = new Set(messages.map((m) => m['41']));
      assert.equal(ids.size, 1, 'one terminal id per connection');
      terminals.add(messages[0]?.['41'] as string);
      const stans = messages.map((m) => Number(m['11']));
      assert.deepEqual(stans, stans.map((_, i) => i + 1), 'STANs count up from 000001 per terminal');
    }
    assert.equal(terminals.size, 3, 'distinct terminal ids');
    for (const { message } of host.seen) {
      assert.equal(message['0'], '0200');
      assert.ok(TEST_PANS.includes(message['2'] as string), 'test card numbers only');
    }

    // outcomes by response code: 00 for all but the odd STANs of the second connection
    const declined = (byConnection.get(1) ?? []).filter((m) => Number(m['11']) % 2 === 1).length;
    assert.deepEqual(summary.outcomes, declined > 0 ? { '00': 30 - declined, '51': declined } : { '00': 30 });
    assert.ok(summary.latencyMs.p50 <= summary.latencyMs.p95);
    assert.ok(summary.latencyMs.p95 <= summary.latencyMs.p99);
    assert.ok(summary.latencyMs.p99 <= summary.latencyMs.max);
  });

  test('load against simulate-host prints the text summary with throughput, percentiles and outcomes', async (t) => {
    const host = await startCli(['simulate-host', '--port', '0', '--frame', 'binary4']);
    t.after(() => host.stop());
    const r = await runCli(['load', '--port', String(host.port), '--frame', 'binary4', '--clients', '4', '--count', '40',
      '--in-flight', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^transactions +40 answered of 40 sent/m);
    assert.match(r.stdout, /^throughput +\d+(\.\d)? tps/m);
    assert.match(r.stdout, /^latency ms +p50 [\d.]+ +p95 [\d.]+ +p99 [\d.]+/m);
    const outcomes = /^outcomes +(.*)$/m.exec(r.stdout)?.[1] ?? '';
    const total = [...outcomes.matchAll(/([0-9A-Za-z-]+): (\d+)/g)].reduce((sum, m) => sum + Number(m[2]), 0);
    assert.equal(total, 40, 'every transaction has an outcome');
  });

  test('load with a 1993 dialect sends 1200 purchases and counts the 1210 answers (action code 000), not format errors', async (t) => {
    const host = await startCli(['simulate-host', '--port', '0', '--dialect', 'iso93ascii']);
    t.after(() => host.stop());
    const r = await runCli(['load', '--port', String(host.port), '--dialect', 'iso93ascii', '--clients', '2', '--count', '12',
      '--json', '--quiet']);
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    const summary = JSON.parse(r.stdout) as Summary & { unmatched: number };
    assert.equal(summary.answered, 12);
    assert.equal(summary.unmatched, 0);
    // A 1987 0200 in a 1993 dialect is a message of the other edition: the simulator answers it 904 (format error).
    assert.deepEqual(summary.outcomes, { '000': 12 });
  });

  test('load speaks TLS with --tls-ca, and the simulator approves with a large --balance', async (t) => {
    const tls = tlsFiles(t, 'load-tls');
    const host = await startCli(['simulate-host', '--port', '0', '--balance', '100000000000',
      '--tls-cert', tls.serverCert, '--tls-key', tls.serverKey]);
    t.after(() => host.stop());
    const r = await runCli(['load', '--port', String(host.port), '--tls-ca', tls.ca, '--clients', '2',
      '--count', '20', '--json', '--quiet']);
    assert.equal(r.stderr, '');
    const summary = JSON.parse(r.stdout) as Summary;
    assert.equal(summary.answered, 20);
    assert.deepEqual(summary.outcomes, { '00': 20 });
  });

  test('load --rate counts the wait behind a slow host: latency runs from each request\'s due time, not its write', async (t) => {
    // One terminal, one request in flight, a host that answers each request 50 ms after it arrives, and a rate of
    // 100/s: request k is due at 10k ms but cannot be written before the (k-1)th answer, at >= 50k ms. What a terminal
    // waits for request k is therefore >= 40k + 50 ms; the write-to-answer time alone stays near 50 ms.
    const port = await slowHost(t, 50);
    const r = await runCli(['load', '--port', String(port), '--clients', '1', '--count', '20', '--rate', '100', '--json', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as Summary;
    assert.equal(summary.answered, 20);
    // Request 19 waited >= 40 * 19 + 50 = 810 ms; request 10 (the median) >= 450 ms.
    assert.ok(summary.latencyMs.max >= 800, `max ${summary.latencyMs.max} ms includes the queueing delay`);
    assert.ok(summary.latencyMs.p50 >= 400, `p50 ${summary.latencyMs.p50} ms includes the queueing delay`);
  });
});
