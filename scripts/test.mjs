// Runs every compiled test file (`dist/**/*.test.js` of the packages, test/, examples/) with node:test.
// Arguments filter by substring of the path: `node scripts/test.mjs packages/connector`.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ROOTS, compiledFiles } from './compiled-files.mjs';

const filter = process.argv.slice(2);
const files = compiledFiles(TEST_ROOTS, (name) => name.endsWith('.test.js')).filter(
  (f) => filter.length === 0 || filter.some((part) => f.includes(part)),
);
if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}
// The run's shared files (test-support's PostgreSQL template cluster: initdb once, not once a file), removed after the
// run. Readable by the postgres user, who makes the template when the tests run as root.
const runDir = mkdtempSync(join(tmpdir(), 'iso8583-test-run-'));
chmodSync(runDir, 0o755);
let result;
try {
  result = spawnSync(
    process.execPath,
    ['--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
    { stdio: 'inherit', env: { ...process.env, ISO8583_TEST: '1', ISO8583_TEST_RUN_DIR: runDir } },
  );
} finally {
  rmSync(runDir, { recursive: true, force: true });
}
process.exit(result.status ?? 1);
