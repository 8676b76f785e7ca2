// Long fuzz run: every compiled test file of the packages (and test/) with a property or fuzz test (one that takes its
// runs from `propertyRuns` of @iso8583/test-support), with many more runs than `npm test`. Builds nothing (run
// `npm run build` first). Usage: `node scripts/fuzz.mjs [runs] [path parts]` (default 200000 per property, less for a property
// whose cases are heavy), or set ISO8583_FUZZ_RUNS; ISO8583_FUZZ_SEED (and ISO8583_FUZZ_PATH) replay a failure. The files run one after the other; progress goes to stdout: a line when each file starts
// and ends (with its time), each property as it passes (the spec reporter), and a line every ISO8583_FUZZ_HEARTBEAT
// seconds (default 15) while a file is still running, so a long run is never silent.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { TEST_ROOTS, compiledFiles } from './compiled-files.mjs';

const runs = process.argv[2] ?? process.env.ISO8583_FUZZ_RUNS ?? '200000';
if (!/^[1-9][0-9]*$/.test(runs)) {
  console.error(`fuzz: runs must be a positive whole number, not ${JSON.stringify(runs)}`);
  process.exit(2);
}
const heartbeat = Number(process.env.ISO8583_FUZZ_HEARTBEAT ?? 15);

// Further arguments: only the files whose path holds one of them (e.g. `node scripts/fuzz.mjs 100000 emv framing`).
const only = process.argv.slice(3);
const files = compiledFiles(TEST_ROOTS, (name) => name.endsWith('.test.js')).filter(
  (file) => (only.length === 0 || only.some((part) => file.includes(part))) && readFileSync(file, 'utf8').includes('propertyRuns('),
);
if (files.length === 0) {
  console.error('fuzz: no compiled test file uses propertyRuns: run `npm run build` first');
  process.exit(1);
}
const seed = process.env.ISO8583_FUZZ_SEED;
console.log(`fuzz: ${files.length} file(s), ISO8583_FUZZ_RUNS=${runs}${seed ? `, ISO8583_FUZZ_SEED=${seed}` : ''}`);

// A test run of its own: without NODE_TEST_CONTEXT (set when this script is started from a test file under
// `node --test`), the inner `node --test` would report to a parent that is not there and run no file at all.
const childEnv = { ...process.env, ISO8583_TEST: '1', ISO8583_FUZZ_RUNS: runs };
delete childEnv.NODE_TEST_CONTEXT;

/** Runs one file with the spec reporter; resolves with its exit code. */
function runFile(file, index) {
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  console.log(`fuzz: [${index + 1}/${files.length}] ${file}`);
  const child = spawn(process.execPath, ['--test', '--test-reporter=spec', file], { stdio: 'inherit', env: childEnv });
  const timer = heartbeat > 0 ? setInterval(() => console.log(`fuzz: [${index + 1}/${files.length}] still running (${seconds()} s)`), heartbeat * 1000) : undefined;
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearInterval(timer);
      console.log(`fuzz: [${index + 1}/${files.length}] ${code === 0 ? 'passed' : `FAILED (${code ?? signal})`} in ${seconds()} s`);
      resolve(code ?? 1);
    });
  });
}

let failed = 0;
const all = Date.now();
for (const [i, file] of files.entries()) if ((await runFile(file, i)) !== 0) failed++;
console.log(`fuzz: ${files.length - failed} of ${files.length} file(s) passed in ${((Date.now() - all) / 1000).toFixed(1)} s`);
process.exit(failed === 0 ? 0 : 1);
