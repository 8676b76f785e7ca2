// `iso8583 load --rate`: one schedule hands each slot, once due, to a free terminal. Before, each sending loop booked
// its slot ahead, in terminal order: with more loops than slots the last terminals never sent (4 terminals x 5 in
// flight, 10 requests: two terminals sent everything), and the slots booked by a terminal whose connection the host
// closed were lost, counted not sent, while the other terminal sat idle. The real binary, a real host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-process.js';
import { answerFrame, loadHost } from './helpers/load-host.js';

interface Summary {
  sent: number;
  notSent: number;
  answered: number;
}

test('load --rate: more loops than slots, every terminal sends', async (t) => {
  const perTerminal = new Map<string, number>();
  const port = await loadHost(t, (request, _payload, socket) => {
    const terminal = request['41'] as string;
    perTerminal.set(terminal, (perTerminal.get(terminal) ?? 0) + 1);
    socket.write(answerFrame(request));
  });
  const r = await runCli(['load', '--port', String(port), '--clients', '4', '--in-flight', '5', '--rate', '50', '--count', '10', '--json', '--quiet']);
  assert.equal((JSON.parse(r.stdout) as Summary).answered, 10, r.stderr);
  assert.deepEqual([...perTerminal.keys()].sort(), ['LD000001', 'LD000002', 'LD000003', 'LD000004'], JSON.stringify([...perTerminal]));
});

test('load --rate: a terminal whose connection the host closed leaves its slots to the other terminal', async (t) => {
  const port = await loadHost(t, (request, _payload, socket) => {
    socket.write(answerFrame(request));
    // The second terminal's connection is closed after its first answer.
    if (request['41'] === 'LD000002') socket.end();
  });
  const r = await runCli(['load', '--port', String(port), '--clients', '2', '--in-flight', '3', '--rate', '10', '--count', '10', '--json', '--quiet']);
  const summary = JSON.parse(r.stdout) as Summary;
  assert.deepEqual({ sent: summary.sent, notSent: summary.notSent }, { sent: 10, notSent: 0 }, r.stdout);
});
