/** One test per marked shell block of the sample documents, for the doc-samples test files. */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocRun } from './doc-run.js';
import { docBlocks, sampleDocuments } from './doc-samples.js';

/** The documents doc-samples-gateway.test.ts runs (the others: doc-samples.test.ts). */
export const GATEWAY_DOCUMENTS: readonly string[] = ['docs/gateway.md', 'docs/operations.md'];

/**
 * Registers a test per block of each sample document `pick` takes (a block marked `skip ...` is skipped). A background
 * line that a later block starts too stays up for it (see {@link DocRun.runBlock}): the documents start the same
 * simulator in many blocks.
 */
export function docSampleTests(run: DocRun, pick: (file: string) => boolean): void {
  const blocks = sampleDocuments(run.root)
    .filter(pick)
    .flatMap((file) => docBlocks(readFileSync(join(run.root, file), 'utf8'), file))
    .map((block) => ({ block, skip: block.marks.find((m) => m.startsWith('skip')) }));
  for (const [i, { block, skip }] of blocks.entries()) {
    const later = new Set(blocks.slice(i + 1).filter((b) => b.skip === undefined).flatMap((b) => b.block.commands.filter((c) => c.background).map((c) => c.text)));
    const title = `${block.where}: ${block.commands.map((c) => c.text.split(' | ').pop()).join('; ')}`.slice(0, 200);
    test(title, { skip: skip ?? false }, () => run.runBlock(block.commands, block.marks, run.root, later));
  }
}
