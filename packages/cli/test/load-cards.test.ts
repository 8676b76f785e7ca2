// `iso8583 load`: each request carries the card and amount of its own number in the run, the first wave included.
// Before, a request read the run's count when it was written, not its own number: the requests taken together (one
// per terminal at the start) all carried the last one's card and amount, and a host's per-card balance declined them
// (300 terminals x 1 request: 197 spurious 51s against the simulator). The real binary, a real host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './cli-process.js';
import { answerFrame, loadHost } from './helpers/load-host.js';

test('load: the first requests of six terminals carry six amounts over the three test cards', async (t) => {
  const amounts = new Set<string>();
  const cards = new Set<string>();
  const port = await loadHost(t, (request, _payload, socket) => {
    amounts.add(request['4'] as string);
    cards.add(request['2'] as string);
    socket.write(answerFrame(request));
  });
  const r = await runCli(['load', '--port', String(port), '--clients', '6', '--count', '6', '--json', '--quiet']);
  assert.equal((JSON.parse(r.stdout) as { answered: number }).answered, 6, r.stderr);
  assert.equal(amounts.size, 6, 'one amount a request');
  assert.equal(cards.size, 3, 'the three test cards');
});
