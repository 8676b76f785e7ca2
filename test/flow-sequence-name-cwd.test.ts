/**
 * A flow's sequence given as a name (no `/`, no `.js`/`.mjs`/`.cjs`) is a registered name only (docs/flows.md,
 * "Sequence references"): a file of that name in the working folder of `run` is never loaded, so that the flow does
 * not depend on where it was started. `run --check` from a folder holding such a file refuses the name, as it does
 * from any other folder.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, stopAll } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-name-cwd-'));

after(async () => {
  await stopAll();
  rmSync(work, { recursive: true, force: true });
});

test('run --check: an unregistered sequence name is refused, even with a module of that name in the working folder', async () => {
  mkdirSync(join(work, 'flows'));
  mkdirSync(join(work, 'other'));
  writeFileSync(join(work, 'flows', 'f.json'), JSON.stringify({ name: 'f', inboundEndpoints: { pos: { port: 0, sequence: 'approve' } } }));
  writeFileSync(join(work, 'other', 'approve'), "export default function approve() { return { 0: '0210', 39: '00' }; }\n");
  for (const cwd of [join(work, 'other'), join(work, 'flows')]) {
    const check = startCli(['run', join(work, 'flows', 'f.json'), '--check'], { cwd });
    const exit = await check.exited;
    assert.equal(exit.code, 1, `from ${cwd}: ${check.stdout()}`);
    assert.match(check.stderr(), /^iso8583: ISO8583_ERR_INBOUND_SEQUENCE_NOT_FOUND: \/inboundEndpoints\/pos\/sequence: sequence "approve" is not a registered name/);
  }
});
