/**
 * Every `iso8583 ...` command a user would copy from README.md, docs/getting-started.md, docs/console.md,
 * docs/flows.md and the packages' READMEs runs, with the real binary (docs/gateway.md and docs/operations.md:
 * doc-samples-gateway.test.ts; the `--help` examples: help-examples.test.ts; three files, so each stays well inside
 * the runner's time per file on a loaded machine). One-shot commands must exit 0 (and print what a `# {...}` line
 * under them shows); servers (`simulate-host`, `gateway`, `run`) must print their ready line and stop with exit 0 on
 * SIGTERM; a line ending in `&` stays up for the lines after it. The ports of a block are replaced by free ones. How a
 * block is marked to run otherwise: test/helpers/doc-samples.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docRun } from './helpers/doc-run.js';
import { docBlocks, sampleDocuments } from './helpers/doc-samples.js';
import { docSampleTests, GATEWAY_DOCUMENTS } from './helpers/doc-sample-tests.js';

const run = docRun();

describe('the command lines of the documents', () => {
  test('the documents hold samples: the README\'s first decode, marked blocks, printed answers', () => {
    const blocks = sampleDocuments(run.root).flatMap((file) => docBlocks(readFileSync(join(run.root, file), 'utf8'), file));
    assert.ok(blocks.length >= 10, `${blocks.length} blocks`);
    assert.match(blocks[0]?.commands[0]?.text ?? '', /^iso8583 decode --format describe [0-9A-F]+$/);
    assert.ok(blocks.some((b) => b.marks.includes('check-config')));
    assert.ok(blocks.some((b) => b.commands.some((c) => c.expected !== undefined)), 'a # {...} line is checked');
  });
  docSampleTests(run, (file) => !GATEWAY_DOCUMENTS.includes(file));
});
