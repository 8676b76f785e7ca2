// A connector or inbound endpoint name with `/` or `~` (refused by the schema's name pattern) was reported twice: once
// by the schema at its escaped JSON pointer (`/inboundEndpoints/p~1os`), and again by the library's validator at an
// unescaped one (`/inboundEndpoints/p/os/maxConnections`, placed at the wrong line and column), because the check of
// which entries the schema found no fault in built its pointers unescaped. Every pointer is now built by one function
// (locate.ts `pointer`, RFC 6901 escaping): each problem once, at its own place.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flowProblems } from './flow-problems.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-flow-pointer-escape-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** `flow` written as one line to `name`.json in the work folder. */
function fileOf(name: string, flow: unknown): string {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(flow));
  return file;
}

const pattern = 'must match pattern "^[A-Za-z][A-Za-z0-9_-]*$"';

test('flow file – a connector named with a / is reported once, at its escaped pointer', () => {
  const file = fileOf('b1', { connectors: { 'bank/x': { host: '127.0.0.1', port: 1, pool: { min: 3, max: 1 } } }, inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator' } } });
  assert.deepEqual(flowProblems(file), [`b1.json:1:25 /connectors/bank~1x: ${pattern}`]);
});

test('flow file – an endpoint named with a / or ~: its problems at escaped pointers, each once', () => {
  const file = fileOf('b3', { connectors: { bank: { host: '127.0.0.1', port: 1 } }, inboundEndpoints: { 'p/o~s': { port: 0, sequence: 'host-simulator', maxConnections: 0 } } });
  assert.deepEqual(flowProblems(file), [
    `b3.json:1:82 /inboundEndpoints/p~1o~0s: ${pattern}`,
    'b3.json:1:137 /inboundEndpoints/p~1o~0s/maxConnections: must be >= 1',
  ]);
});
