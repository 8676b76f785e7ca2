// Long fuzz run: every compiled `*fuzz*.test.js` of the packages (and test/) with many more runs than `npm test`.
// Builds nothing (run `npm run build` first). Usage: `node scripts/fuzz.mjs [runs]` (default 200000 per property),
// or set ISO8583_FUZZ_RUNS. The files run one after the other; progress goes to stdout: a line when each file starts
// and ends (with its time), each property as it passes (the spec reporter), and a line every ISO8583_FUZZ_HEARTBEAT
// seconds (default 15) while a file is still running, so a long run is never silent.
import { spawn } from 'node:child_process';
import { TEST_ROOTS, compiledFiles } from './compiled-files.mjs';

const runs = process.argv[2] ?? process.env.ISO8583_FUZZ_RUNS ?? '200000';
if (!/^[1-9][0-9]*$/.test(runs)) {
  console.error(`fuzz: runs must be a positive whole number, not ${JSON.stringify(runs)}`);
  process.exit(2);
}
const heartbeat = Number(process.env.ISO8583_FUZZ_HEARTBEAT ?? 15);

const files = compiledFiles(TEST_ROOTS, (name) => name.endsWith('.test.js') && name.includes('fuzz'));
if (files.length === 0) {
  console.error('fuzz: no compiled *fuzz*.test.js files found: run `npm run build` first');
  process.exit(1);
}
console.log(`fuzz: ${files.length} file(s), ISO8583_FUZZ_RUNS=${runs}`);

/** Runs one file with the spec reporter; resolves with its exit code. */
function runFile(file, index) {
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  console.log(`fuzz: [${index + 1}/${files.length}] ${file}`);
  const child = spawn(process.execPath, ['--test', '--test-reporter=spec', file], {
    stdio: 'inherit',
    env: { ...process.env, ISO8583_TEST: '1', ISO8583_FUZZ_RUNS: runs },
  });
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
