/**
 * The real gateway with `--log-messages --log-file`: card numbers written in groups as people and URLs write them
 * (mixed separators, double spaces, `%20`, plus signs, two numbers in one chain) in private fields of a POST / and in
 * request paths reach the log file masked; no 7 digits of either test card in a row, whatever the separators.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithin, startGateway, startSimulator, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-grouped-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

const PAN = '4761739001010010';
const OTHER = '5413330089010434';

/** Every 7 digits in a row of `pan`, with any separators of the rule (and their URL escapes) between them. */
function pieces(pan: string): RegExp[] {
  const out: RegExp[] = [];
  for (let i = 0; i + 7 <= pan.length; i++) out.push(new RegExp(pan.slice(i, i + 7).split('').join('(?:[ \\t+-]|%2[0dDbB]|\\\\t)*')));
  return out;
}

test('gateway log file: PANs in groups with mixed separators, %20 or plus signs, in fields and paths, are masked', async () => {
  const bank = await startSimulator(['--any-card']);
  const logFile = join(work, 'gateway.log');
  const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--log-file', logFile, '--log-level', 'warn', '--log-messages']);
  const http = `http://${gw.http.host}:${gw.http.port}`;
  const written = [
    '4761-7390 0101  0010',
    '4761%207390%200101%200010',
    '4761+7390+0101+0010',
    '4761 7390 0101 0010 5413 33-00-8901-0434',
    '4761 7390 0101 0010-5413-33 00 8901 0434',
  ];
  for (const [i, form] of written.entries()) {
    const message = { '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '11': String(100 + i).padStart(6, '0'), '41': 'TERM0001', '48': `X ${form} Y`, '62': form };
    const answer = await fetch(`${http}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
    assert.equal(answer.status, 200);
    await answer.text();
  }
  for (const path of ['/card/4761+7390+0101+0010', '/card/4761-7390%200101%2D0010', '/x?4761+7390+0101+0010=1']) {
    const answer = await fetch(`${http}${path}`);
    await answer.text();
  }
  gw.process.kill('SIGTERM');
  await exitWithin(gw.process, 20_000, 'gateway stop');
  const text = readFileSync(logFile, 'utf8');
  assert.match(text, /48 {2}ADDITIONAL DATA - PRIVATE: X 4761-73\*\* \*\*\*\* {2}0010 Y/, 'the trace shows the masked field');
  assert.match(text, /\/card\/4761\+73\*\*\+\*\*\*\*\+0010/, 'the request line shows the masked path');
  for (const pan of [PAN, OTHER]) for (const piece of pieces(pan)) assert.doesNotMatch(text, piece);
});
