// Two routing rules with the same criteria (`--route 4=visa --route 4=mc`, or a config file's `routes` giving `pan: '4'`
// twice): `gateway --check-config` said the config was valid, then the start failed with the connector's
// ISO8583_ERR_CONNECTOR_OPTIONS naming `routes[N]` (neither the flag nor the file's pointer). Both now refuse it with
// ISO8583_ERR_GATEWAY_CONFIG naming `--route` or the file and `/routes/N`, before anything opens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { runCli } from './cli-process.js';

const TWO_BANKS = ['--upstream', 'visa=127.0.0.1:9', '--upstream', 'mc=127.0.0.1:9'];

test('duplicate --route rules are refused by the parse, naming --route and both rules', () => {
  assert.throws(() => parseGatewayArgs([...TWO_BANKS, '--route', '4=visa', '--route', '4=mc']), (err: Error & { code?: string; field?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG');
    assert.equal(err.field, '--route');
    assert.match(err.message, /routes\[1\]: upstream "mc", the same criteria \(pan "4"\) as routes\[0\] \(upstream "visa"\)/);
    return true;
  });
  // Overlapping rules are not duplicates: the longer prefix wins.
  assert.equal(parseGatewayArgs([...TWO_BANKS, '--route', '4=visa', '--route', '45=mc']).config.routes?.length, 2);
});

test('--check-config and the start refuse duplicate routes, from flags or the file, before anything opens', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-routes-duplicate-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gw.json');
  writeFileSync(file, JSON.stringify({
    upstreams: [{ name: 'visa', upstream: '127.0.0.1:9' }, { name: 'mc', upstream: '127.0.0.1:9' }],
    routes: [{ upstream: 'visa', pan: '4' }, { upstream: 'mc', pan: '5' }, { upstream: 'mc', pan: '4' }],
  }));
  const journal = join(dir, 'journal');
  const common = ['--listen', '0', '--http', '0', '--reversal-journal', journal, '--no-transaction-log'];
  const spellings: [string, string[], string][] = [
    ['flags', [...TWO_BANKS, '--route', '4=visa', '--route', '4=mc'], 'iso8583: ISO8583_ERR_GATEWAY_CONFIG: routes[1]: upstream "mc", the same criteria'],
    ['file', ['--config', file], `iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${file}: /routes/2: routes[2]: upstream "mc", the same criteria`],
  ];
  for (const [what, args, starts] of spellings) {
    for (const mode of [['--check-config'], []]) {
      const r = await runCli(['gateway', ...args, ...common, ...mode]);
      const run = `${what} ${mode.join(' ') || 'start'}`;
      assert.equal(r.code, 1, `${run}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stderr.startsWith(starts), `${run}: ${r.stderr}`);
      assert.doesNotMatch(r.stdout, /valid|listening/, run);
      assert.ok(!existsSync(journal), `${run}: the reversal journal was opened`);
    }
  }
});
