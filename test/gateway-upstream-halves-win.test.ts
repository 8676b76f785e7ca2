/**
 * Flags win over the config file, for the bank too: SocketQueue's two halves of the bank's address
 * (`--upstream-host`, `--upstream-port`) on the command line, over a config file whose `upstreams` name another bank,
 * were ignored: the gateway linked to the file's bank (and `--check-config` said so, without a word about the flags),
 * so a purchase the operator pointed at bank X was authorized by bank A. The real `iso8583 gateway` between two
 * scripted banks: the purchase goes to the bank the flags name, and the file's bank gets nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { approve, startBank } from './helpers/bank.js';
import type { ScriptedBank } from './helpers/bank.js';
import { runToEnd, startGateway, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-upstream-halves-'));
let named: ScriptedBank;
let fileBank: ScriptedBank;
let config: string;

before(async () => {
  named = await startBank(approve);
  fileBank = await startBank(approve);
  config = join(work, 'gateway.json');
  writeFileSync(config, JSON.stringify({ upstreams: [{ name: 'bankA', upstream: `127.0.0.1:${fileBank.port}` }, { name: 'bankB', upstream: `127.0.0.1:${fileBank.port}` }] }));
});

after(async () => {
  await stopAll();
  await named.close();
  await fileBank.close();
  rmSync(work, { recursive: true, force: true });
});

const halves = (): string[] => ['--upstream-host', '127.0.0.1', '--upstream-port', String(named.port)];

test('--check-config: --upstream-host and --upstream-port over the file\'s upstreams name the flags\' bank', async () => {
  const r = await runToEnd(['gateway', '--config', config, ...halves(), '--reversal-journal', join(work, 'check'), '--check-config']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`gateway config is valid: upstream=127\\.0\\.0\\.1:${named.port} `));
});

test('a purchase goes to the bank of --upstream-host and --upstream-port, not to the config file\'s upstreams', async () => {
  const gw = await startGateway(['--config', config, ...halves(), '--reversal-journal', join(work, 'journal')]);
  const client = await PosClient.open(gw.pos.host, gw.pos.port);
  const answer = await client.request(purchase('HALVES01', 501, 1200));
  await client.close();
  assert.equal(answer['39'], '00');
  const to = (bank: ScriptedBank): number => bank.received.filter((m) => m['0'] === '0200').length;
  assert.deepEqual({ flagsBank: to(named), fileBank: to(fileBank) }, { flagsBank: 1, fileBank: 0 });
});
