// `iso8583 load` against hosts that misbehave: what counts as an answer, what was never sent, and the exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { encodeFrame } from '@iso8583/codec';
import { runLoad } from '../src/index.js';
import type { LoadSummary } from '../src/index.js';
import { runCli } from './cli-process.js';
import { answerFrame, LOAD_FRAMING, loadHost } from './helpers/load-host.js';

type Summary = LoadSummary;

function outcomesTotal(s: Summary): number {
  return Object.values(s.outcomes).reduce((a, b) => a + b, 0);
}

test('load counts the requests never written when the host closes every connection, gives them no outcome, and exits 1', async (t) => {
  // The host answers the first request of each connection, then closes it: the rest of --count is never sent.
  const port = await loadHost(t, (request, _payload, socket) => {
    socket.end(answerFrame(request));
  });
  const r = await runCli(['load', '--port', String(port), '--clients', '2', '--count', '20', '--json', '--quiet']);
  assert.equal(r.code, 1, 'most of the requests asked for were never sent');
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.sent + s.notSent, 20, 'every request asked for is sent or counted as not sent');
  assert.ok(s.notSent > 0);
  assert.equal(outcomesTotal(s), s.sent, 'an outcome per request written, none for a request never written');
  assert.ok(s.answered >= 2);
  assert.equal(s.endedEarly, true);
});

test('load --duration ended by the host closing every connection exits 1 and says it ended early', async (t) => {
  const port = await loadHost(t, (request, _payload, socket) => {
    socket.end(answerFrame(request));
  });
  const r = await runCli(['load', '--port', String(port), '--clients', '1', '--duration', '60', '--quiet']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^ended early +every connection was lost/m);
});

test('load --rate whose host closed every connection ends then, not when its next slot comes', async (t) => {
  const port = await loadHost(t, (request, _payload, socket) => {
    socket.end(answerFrame(request));
  });
  // One request a minute: the first goes at once and is answered, the connection closed; the next is due in 60 s.
  const started = Date.now();
  const r = await runCli(['load', '--port', String(port), '--clients', '1', '--count', '3', '--rate', String(1 / 60), '--json', '--quiet']);
  const took = Date.now() - started;
  assert.equal(r.code, 1);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.endedEarly, true);
  assert.equal(s.sent, 1);
  assert.equal(s.answered, 1);
  assert.equal(s.notSent, 2);
  assert.ok(took < 30_000 && s.durationMs < 30_000, `ended ${took} ms after it started (its run ${s.durationMs} ms)`);
});

test('load counts an answer with the right STAN but not the 0210 MTI as unmatched, not answered', async (t) => {
  // A mirroring host: the 0200 comes back as it was sent.
  const port = await loadHost(t, (_request, payload, socket) => {
    socket.write(encodeFrame(payload, LOAD_FRAMING));
  });
  const r = await runCli(['load', '--port', String(port), '--clients', '1', '--count', '3', '--timeout', '200', '--json', '--quiet']);
  assert.equal(r.code, 1);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.answered, 0);
  assert.equal(s.unmatched, 3);
  assert.deepEqual(s.outcomes, { timeout: 3 });
});

test('load ends a request as error at once when its 0210 does not decode but its STAN can be read', async (t) => {
  // Field 4 (n 12) of the answer carries a letter: the frame does not decode, its MTI and STAN are still readable.
  const port = await loadHost(t, (request, _payload, socket) => {
    const frame = answerFrame(request);
    const at = frame.indexOf(request['4'] as string);
    frame.write('X', at + 11);
    socket.write(frame);
  });
  // A 60 s timeout: the run ending at all shows the outcome came at once, not after --timeout.
  const r = await runCli(['load', '--port', String(port), '--clients', '1', '--count', '4', '--timeout', '60000', '--json', '--quiet']);
  assert.equal(r.code, 1);
  const s = JSON.parse(r.stdout) as Summary;
  assert.deepEqual(s.outcomes, { error: 4 });
  assert.equal(s.undecodable, 0);
});

test('load counts frames that do not decode and name no request apart, and says so in the summary', async (t) => {
  const port = await loadHost(t, (_request, _payload, socket) => {
    socket.write(encodeFrame(Buffer.from([1, 2, 3, 4, 5]), LOAD_FRAMING));
  });
  const r = await runCli(['load', '--port', String(port), '--clients', '1', '--count', '2', '--timeout', '200', '--quiet']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^undecodable +2 frames did not decode and named no request waiting$/m);
  assert.match(r.stdout, /^outcomes +timeout: 2$/m);
});

test('load over TLS to a host that never completes the handshake says so: ETIMEDOUT, no connection or TLS handshake', async (t) => {
  // A plain TCP port that accepts and stays silent: the ClientHello is never answered.
  const held: net.Socket[] = [];
  const server = net.createServer((socket) => held.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const s of held) s.destroy();
    server.close(() => resolve());
  }));
  const port = (server.address() as net.AddressInfo).port;
  await assert.rejects(runLoad({ port, clients: 2, count: 2, connectTimeoutMs: 300, tls: { rejectUnauthorized: false } }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_CLI_LOAD');
    assert.equal(err.message, `no client could connect to 127.0.0.1:${port} (ETIMEDOUT: no connection or TLS handshake within 300 ms)`);
    return true;
  });
});
