// `iso8583 run FLOW --http-token-file <(...)`: the token read through a pipe is let go once the flow has started
// (`releaseFlagPipes`, as the gateway does), not kept for the process's life: a read of that pipe once the flow is
// ready is refused, named, never answered with the token. A real pipe into a real process running the real command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECRET = 'token-8d1e4b6f0a2c';

test('run FLOW --http-token-file /dev/stdin (a pipe): once the flow is ready, the pipe\'s text is no longer held', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-run-pipe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const flowFile = join(dir, 'flow.json');
  writeFileSync(join(dir, 'approve.mjs'), 'export default (message) => ({ ...message.fields, 0: \'0210\', 39: \'00\' });\n');
  writeFileSync(flowFile, JSON.stringify({
    name: 'pipe', inboundEndpoints: { pos: { port: 0, host: '127.0.0.1', sequence: './approve.mjs' } }, http: { port: 0, host: '127.0.0.1' }, logLevel: 'warn',
  }));
  const run = new URL('../src/commands/run.js', import.meta.url).href;
  const read = new URL('../src/read-file.js', import.meta.url).href;
  // The flow's ready line (stdout) is where the check runs; then the process stops itself (SIGTERM, a graceful stop).
  const script =
    `const { runCommand } = await import(${JSON.stringify(run)});` +
    `const { readFlagFile } = await import(${JSON.stringify(read)});` +
    `const write = process.stdout.write.bind(process.stdout);` +
    `process.stdout.write = (chunk, ...rest) => {` +
    `  if (/^flow pipe ready/.test(String(chunk))) setImmediate(() => {` +
    `    let after; try { after = readFlagFile('/dev/stdin', '--http-token-file'); } catch (err) { after = { code: err.code, message: err.message }; }` +
    `    write('RESULT ' + JSON.stringify({ after }) + '\\n');` +
    `    process.kill(process.pid, 'SIGTERM');` +
    `  });` +
    `  return write(chunk, ...rest);` +
    `};` +
    `process.exitCode = await runCommand([process.env.FLOW, '--http-token-file', '/dev/stdin', '--no-console']);`;
  const r = spawnSync('bash', ['-c', 'printf "%s\\n" "$SECRET" | "$NODE" --input-type=module -e "$SCRIPT"'], {
    encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', env: { ...process.env, SECRET, SCRIPT: script, NODE: process.execPath, FLOW: flowFile },
  });
  const result = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(result !== undefined, `no check after the ready line; stdout: ${r.stdout}; stderr: ${r.stderr}`);
  const { after } = JSON.parse(result.slice('RESULT '.length)) as { after: { code: string; message: string } | string };
  assert.equal(typeof after, 'object', `read once the flow is ready: ${JSON.stringify(after)}`);
  assert.equal((after as { code: string }).code, 'ISO8583_ERR_CLI_FILE');
  assert.match((after as { message: string }).message, /no longer holds/);
  assert.doesNotMatch(r.stdout + r.stderr, new RegExp(SECRET));
  assert.equal(r.status, 0, r.stderr);
});
