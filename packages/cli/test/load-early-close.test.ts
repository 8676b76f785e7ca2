// `iso8583 load` whose host closes a connection while the other terminals are still connecting: that terminal is
// seen as closed (its close came before the run built it), and the requests go through the others. Before, it was
// never seen as closed: its requests were counted sent, never written, and ended as timeouts; with no terminal left,
// the run went on to its count, each request waiting out its timeout. A real TLS host, the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { MessageStream } from '@iso8583/codec';
import { runCli } from './cli-process.js';
import { LOAD_FRAMING, answerFrame, loadCodec } from './helpers/load-host.js';
import { tlsFiles } from './helpers/tls-files.js';

interface Summary {
  sent: number;
  notSent: number;
  answered: number;
  endedEarly?: boolean;
  outcomes: Record<string, number>;
}

/**
 * A TLS host: connection 1 is ended once its handshake is done; the handshake of connection 2 starts only once the
 * terminal has ended connection 1 in turn (then it answers 00, or with `failSecond` it is cut before its handshake).
 */
async function earlyCloseHost(t: { after(fn: () => void): void }, failSecond: boolean): Promise<{ port: number; ca: string }> {
  const files = tlsFiles(t, 'load-early-close');
  const key = readFileSync(files.serverKey);
  const cert = readFileSync(files.serverCert);
  const sockets = new Set<net.Socket>();
  let firstClosed: () => void = () => undefined;
  const firstGone = new Promise<void>((resolve) => (firstClosed = resolve));
  let n = 0;
  const server = net.createServer((raw) => {
    const index = ++n;
    sockets.add(raw);
    raw.on('error', () => undefined);
    const handshake = (): void => {
      const s = new tls.TLSSocket(raw, { isServer: true, key, cert });
      s.on('error', () => undefined);
      s.once('secure', () => {
        if (index === 1) {
          // Its end, and then the terminal's own end in answer (it has seen the close) opens connection 2's gate.
          s.once('end', firstClosed);
          s.resume();
          s.end();
          return;
        }
        const stream = new MessageStream(s, { framing: LOAD_FRAMING, codec: loadCodec }, {
          frame: (f) => stream.write(answerFrame(stream.decode(f).message)),
        });
      });
    };
    if (index === 1) handshake();
    else void firstGone.then(() => (failSecond ? raw.destroy() : handshake()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, ca: files.ca };
}

function load(host: { port: number; ca: string }, count: number): Promise<{ summary: Summary; stderr: string }> {
  // A request written to the closed connection would wait out this timeout, and end as one.
  return runCli(['load', '--port', String(host.port), '--tls-ca', host.ca, '--clients', '2', '--count', String(count), '--timeout', '15000',
    '--json', '--quiet']).then((r) => ({ summary: JSON.parse(r.stdout) as Summary, stderr: r.stderr }));
}

test('load: a terminal whose connection the host closed while another connected sends nothing; the other sends all', async (t) => {
  const { summary, stderr } = await load(await earlyCloseHost(t, false), 6);
  assert.deepEqual({ sent: summary.sent, answered: summary.answered, outcomes: summary.outcomes },
    { sent: 6, answered: 6, outcomes: { '00': 6 } }, stderr);
});

test('load: the only terminal connected was already closed: nothing sent, the run ends early at once', async (t) => {
  const { summary, stderr } = await load(await earlyCloseHost(t, true), 2);
  assert.deepEqual({ sent: summary.sent, notSent: summary.notSent, endedEarly: summary.endedEarly, outcomes: summary.outcomes },
    { sent: 0, notSent: 2, endedEarly: true, outcomes: {} }, stderr);
});
