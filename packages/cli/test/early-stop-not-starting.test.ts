// A stop signal caught while a long-running command starts (early-stop.ts) is not swallowed when the command turns out
// to start nothing (`--help`, `--check-config`, `run --check`): `notStarting` ends the process as that signal does.
// In a child process: the signal ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const EARLY_STOP = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'early-stop.js')).href;

function child(before: string): ReturnType<typeof spawnSync> {
  const code = `import { catchStopWhileStarting, notStarting } from ${JSON.stringify(EARLY_STOP)};
catchStopWhileStarting();
${before}
notStarting();
process.stdout.write('the check went on\\n');`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
}

test('a stop signal caught during the start ends a command that starts nothing, as that signal ends it', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const r = child(`process.emit(${JSON.stringify(signal)}, ${JSON.stringify(signal)});`);
    assert.equal(r.signal, signal, `${signal}: ${String(r.stdout)}${String(r.stderr)}`);
    assert.doesNotMatch(String(r.stdout), /the check went on/);
  }
  // No signal: the command goes on.
  const quiet = child('');
  assert.equal(quiet.status, 0, String(quiet.stderr));
  assert.match(String(quiet.stdout), /the check went on/);
});
