/**
 * The command lines of docs/gateway.md and docs/operations.md run with the real binary, as doc-samples.test.ts runs
 * the other documents' (the gateway's samples start the most processes: a file of their own).
 */
import { describe } from 'node:test';
import { docRun } from './helpers/doc-run.js';
import { docSampleTests, GATEWAY_DOCUMENTS } from './helpers/doc-sample-tests.js';

const run = docRun();

describe('the command lines of the gateway documents', () => {
  docSampleTests(run, (file) => GATEWAY_DOCUMENTS.includes(file));
});
