/** One test per marked shell block of the sample documents, for the doc-samples test files. */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocRun } from './doc-run.js';
import { docBlocks, sampleDocuments } from './doc-samples.js';

/** The documents doc-samples-gateway.test.ts runs (the others: doc-samples.test.ts). */
export const GATEWAY_DOCUMENTS: readonly string[] = ['docs/gateway.md', 'docs/operations.md'];

/** Registers a test per block of each sample document `pick` takes (a block marked `skip ...` is skipped). */
export function docSampleTests(run: DocRun, pick: (file: string) => boolean): void {
  for (const file of sampleDocuments(run.root).filter(pick)) {
    for (const block of docBlocks(readFileSync(join(run.root, file), 'utf8'), file)) {
      const skip = block.marks.find((m) => m.startsWith('skip'));
      const title = `${block.where}: ${block.commands.map((c) => c.text.split(' | ').pop()).join('; ')}`.slice(0, 200);
      test(title, { skip: skip ?? false }, () => run.runBlock(block.commands, block.marks, run.root));
    }
  }
}
