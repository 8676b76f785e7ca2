// `iso8583 simulate-host --partial-approval --balance 600`: the real binary answers a purchase of 10.00 with a partial
// approval of the 6.00 the card holds (10, field 4 the amount approved), as `send` shows it; without the flag, 51.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startCli } from './cli-process.js';
import { PURCHASE } from './messages.js';

test('simulate-host --partial-approval: a purchase over the balance is approved for the balance (10, field 4), else 51', async (t) => {
  const [partial, plain] = await Promise.all([
    startCli(['simulate-host', '--port', '0', '--balance', '600', '--partial-approval']),
    startCli(['simulate-host', '--port', '0', '--balance', '600']),
  ]);
  t.after(() => Promise.all([partial.stop(), plain.stop()]));
  const [a, b] = await Promise.all([
    runCli(['send', '--port', String(partial.port)], JSON.stringify(PURCHASE)),
    runCli(['send', '--port', String(plain.port)], JSON.stringify(PURCHASE)),
  ]);
  assert.equal(a.code, 0, a.stderr);
  const approved = JSON.parse(a.stdout) as Record<string, string>;
  assert.deepEqual([approved['0'], approved['39'], approved['4']], ['0210', '10', '000000000600']);
  assert.match(approved['38'] ?? '', /^\d{6}$/);
  assert.equal(b.code, 0, b.stderr);
  const declined = JSON.parse(b.stdout) as Record<string, string>;
  assert.deepEqual([declined['39'], declined['4']], ['51', '000000001000']);
});
