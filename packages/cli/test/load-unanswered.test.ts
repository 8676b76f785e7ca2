// `iso8583 load` sends no reversal: a purchase that got no answer (a timeout, say) may have been booked by the host and
// stays so. The run lists the first 100 of them (terminal, STAN, field 7, amount: no card data) in `--json`, and its
// text summary says how many were not reversed, so that they can be reconciled. Before, only their count was given.
// The real binary, a real host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadSummary } from '../src/index.js';
import { runCli } from './cli-process.js';
import { answerFrame, loadHost } from './helpers/load-host.js';

test('load --json lists the purchases that timed out: terminal, STAN, field 7 and amount', async (t) => {
  const unanswered: { terminal: string; stan: string; transmission: string; amount: string }[] = [];
  const port = await loadHost(t, (request, _payload, socket) => {
    // The second purchase of each terminal is never answered.
    if (request['11'] === '000002') {
      unanswered.push({ terminal: request['41'] as string, stan: '000002', transmission: request['7'] as string, amount: request['4'] as string });
    } else socket.write(answerFrame(request));
  });
  const r = await runCli(['load', '--port', String(port), '--clients', '2', '--count', '6', '--timeout', '300', '--json', '--quiet']);
  const summary = JSON.parse(r.stdout) as LoadSummary;
  assert.deepEqual(summary.outcomes, { '00': 4, timeout: 2 }, r.stdout);
  const listed = (summary.unanswered ?? []).map(({ outcome, ...request }) => {
    assert.equal(outcome, 'timeout');
    return request;
  });
  const byTerminal = (a: { terminal: string }, b: { terminal: string }): number => (a.terminal < b.terminal ? -1 : 1);
  assert.deepEqual(listed.sort(byTerminal), unanswered.sort(byTerminal));
  assert.doesNotMatch(r.stdout, /4111111111111111|5500000000000004|4761739001010010/);
});

test('load lists at most 100 purchases without an answer; the text summary counts them all', async (t) => {
  const port = await loadHost(t, () => undefined);
  const args = ['load', '--port', String(port), '--clients', '2', '--in-flight', '60', '--count', '120', '--timeout', '300', '--quiet'];
  const json = await runCli([...args, '--json']);
  const summary = JSON.parse(json.stdout) as LoadSummary;
  assert.equal(summary.outcomes.timeout, 120, json.stdout);
  assert.equal(summary.unanswered?.length, 100);
  const text = await runCli(args);
  assert.match(text.stdout, /^not reversed {2}120 purchases sent got no answer \(timeout, closed, error\): the host may have booked them; --json lists the first 100$/m);
});
