// maxConnections (default 10000) above the process's limit of open files (often 1024): accepts fail with EMFILE, which
// Node's listener retries silently, before the connection cap can evict a silent client, so a flood locks every
// terminal out with nothing logged. The start says so once (ISO8583_WARN_INBOUND_FD_LIMIT, docs/errors.md). Real
// processes: a child started under `ulimit -n`. Linux only (/proc/self/limits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { openFilesLimit } from '../src/fd-limit.js';

const linux = existsSync('/proc/self/limits');

/** The warning lines (code ISO8583_WARN_INBOUND_FD_LIMIT) of an endpoint started with `options` under `ulimit -n 256`. */
function warningsUnderLimit(options: string): Array<Record<string, unknown>> {
  const index = JSON.stringify(new URL('../src/index.js', import.meta.url).href);
  const script = `
const { default: pino } = await import('pino');
const { createInboundEndpoint, createHostSimulator } = await import(${index});
const endpoint = createInboundEndpoint({ port: 0, host: '127.0.0.1', sequence: createHostSimulator(), logger: pino(), ...${options} });
await endpoint.start();
await endpoint.close();
`;
  const out = execFileSync('/bin/sh', ['-c', 'ulimit -n 256 && exec "$0" --input-type=module -e "$1"', process.execPath, script], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.code === 'ISO8583_WARN_INBOUND_FD_LIMIT');
}

test('fd limit – maxConnections above the process limit of open files is warned at start, once, with both figures', { skip: !linux && 'no /proc/self/limits' }, () => {
  const lines = warningsUnderLimit('{}');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.maxConnections, 10000);
  assert.equal(lines[0]!.limit, 256);
  assert.equal(lines[0]!.level, 40, 'at warn');
  assert.match(String(lines[0]!.msg), /maxConnections is above the process limit of open files/);
});

test('fd limit – maxConnections within the limit: no warning', { skip: !linux && 'no /proc/self/limits' }, () => {
  assert.deepEqual(warningsUnderLimit('{ maxConnections: 200 }'), []);
});

test('fd limit – the limit is read from the soft column; unlimited or unreadable is no limit', () => {
  const text = 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \n';
  assert.equal(openFilesLimit(() => text), 1024);
  assert.equal(openFilesLimit(() => text.replace('1024  ', 'unlimited')), undefined);
  assert.equal(openFilesLimit(() => {
    throw new Error('ENOENT');
  }), undefined);
});
