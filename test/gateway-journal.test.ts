// The gateway's reversal journal, through the real `iso8583` binary: by default in a state folder (never the working
// directory), and locked: a second gateway on the same journal stops at start with a coded error naming the folder.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-gwjournal-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

async function gateway(args: string[], env: NodeJS.ProcessEnv, cwd: string) {
  const p = startCli(['gateway', '--listen', '0', '--http', '0', '--log-level', 'warn', ...args], { env, cwd });
  const m = await p.waitForLine(/^gateway listening pos=(\S+):(\d+) http=/);
  return { process: p, host: m[1] as string, port: Number(m[2]) };
}

describe('iso8583 gateway reversal journal', () => {
  test('without --reversal-journal the journal goes to $XDG_STATE_HOME/iso8583/upstream, not the working directory', async () => {
    const state = join(work, 'state');
    const cwd = join(work, 'cwd');
    mkdirSync(cwd);
    const bank = await startSimulator([]);
    const gw = await gateway(['--upstream', `${bank.host}:${bank.port}`], { XDG_STATE_HOME: state }, cwd);
    const client = await PosClient.open(gw.host, gw.port);
    const answer = await client.request(purchase('JRNTERM1', 1, 1500));
    assert.equal(answer['39'], '00');
    await client.close();
    assert.ok(existsSync(join(state, 'iso8583', 'upstream', 'reversals.jsonl')), 'the journal is in the state folder');
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
    assert.deepEqual(readdirSync(cwd), [], 'nothing in the working directory');
  });

  test('a second gateway on the same journal folder stops with ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED naming the folder', async () => {
    const journal = join(work, 'shared-journal');
    const bank = await startSimulator([]);
    const first = await gateway(['--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', journal], {}, work);
    const second = startCli(['gateway', '--listen', '0', '--http', '0', '--upstream', `${bank.host}:${bank.port}`, '--reversal-journal', journal], { cwd: work });
    const exit = await second.exited;
    assert.notEqual(exit.code, 0);
    assert.match(second.stderr(), /ISO8583_ERR_CONNECTOR_JOURNAL_LOCKED/);
    assert.ok(second.stderr().includes(journal), second.stderr());
    first.process.kill('SIGTERM');
    assert.equal((await first.process.exited).code, 0);
  });
});
