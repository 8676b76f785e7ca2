/**
 * The `Example:` lines of every command's `--help` run with the real binary, as the documents' samples do
 * (doc-samples.test.ts): one-shot commands exit 0, servers print their ready line and stop with exit 0. The general
 * help comes from the real binary; each command's own `--help` text is read in one process (helpers/main-batch.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN } from './helpers/cli.js';
import { docRun } from './helpers/doc-run.js';
import { helpExamples } from './helpers/doc-samples.js';
import { runMainBatch } from './helpers/main-batch.js';

const run = docRun();
const general = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' }).stdout;
const names = [...(/^Commands:\n((?: {2}.*\n)+)/m.exec(general)?.[1] ?? '').matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1] as string);
const helps = await runMainBatch(names.map((name) => [name, '--help']));

describe('the examples of every command\'s --help', () => {
  test('the general help lists the commands', () => assert.ok(names.length >= 8, general));
  for (const [i, name] of names.entries()) {
    test(`iso8583 ${name} --help: its examples run`, async () => {
      const help = helps[i] as (typeof helps)[number];
      assert.equal(help.code, 0, help.stderr);
      const examples = helpExamples(help.stdout);
      // The help examples run in a folder holding the files they name (capture.bin).
      // send and load talk to a host: a simulator is started for them.
      const marks = name === 'gateway' ? ['check-config'] : name === 'send' || name === 'load' ? ['needs host'] : [];
      // transactions reads the gateway's default folder: as on a machine where a gateway has run.
      if (name === 'transactions') mkdirSync(join(run.work, 'state', 'iso8583', 'upstream'), { recursive: true });
      await run.runBlock(examples, marks, run.work);
    });
  }
});
