// A flow file's JSON text: a key given twice in one object is refused at its JSON path and line (JSON.parse would keep
// the last value: a second "connectors" dropped the first), and text that is not JSON is located by line and column,
// an empty file said to be empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isIso8583Error } from '@iso8583/codec';
import { loadFlow } from '../src/index.js';
import { flowProblems } from './flow-problems.js';

type After = { after(fn: () => unknown): void };

function flowFile(t: After, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-json-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  writeFileSync(file, text);
  return file;
}

/** The message of the ISO8583_ERR_FLOW_FILE that loading `file` throws. */
function fileError(file: string): string {
  try {
    loadFlow(file, {});
  } catch (err) {
    assert.ok(isIso8583Error(err));
    assert.equal(err.code, 'ISO8583_ERR_FLOW_FILE', err.message);
    return err.message;
  }
  assert.fail('the flow file loaded');
}

test('flow file – a key given twice in one object is refused at its path and the line of its second value', (t) => {
  const text = [
    '{',
    '  "connectors": { "bank": { "host": "127.0.0.1", "port": 9 } },',
    '  "connectors": {},',
    '  "inboundEndpoints": { "pos": { "port": 0, "sequence": "host-simulator", "port": 1 } }',
    '}',
  ].join('\n');
  assert.deepEqual(flowProblems(flowFile(t, text)), [
    'flow.json:3:17 /connectors: the key is given twice in its object (JSON would keep only the last)',
    'flow.json:4:83 /inboundEndpoints/pos/port: the key is given twice in its object (JSON would keep only the last)',
  ]);
  // The same names in different objects are no repeat.
  const fine = '{ "connectors": { "a": { "host": "h", "port": 1 }, "b": { "host": "h", "port": 1 } } }';
  assert.deepEqual(flowProblems(flowFile(t, fine)), []);
});

test('flow file – text that is not JSON is located by line and column; an empty file is said to be empty', (t) => {
  const bad = flowFile(t, '{\n  "connectors": {},\n  }\n');
  assert.match(fileError(bad), /is not valid JSON at \S*flow\.json:3:3$/);
  const cut = flowFile(t, '{\n  "connectors": {');
  assert.match(fileError(cut), /is not valid JSON at \S*flow\.json:2:18$/);
  // Faults the parser of Node 20 gives no position for (an unexpected token) are located too.
  const token = flowFile(t, '{\n  "connectors": { "bank": x }\n}');
  assert.match(fileError(token), /is not valid JSON at \S*flow\.json:2:27$/);
  const comma = flowFile(t, '{ "a": [1,] }');
  assert.match(fileError(comma), /is not valid JSON at \S*flow\.json:1:11$/);
  const after = flowFile(t, '{}\n\n }');
  assert.match(fileError(after), /is not valid JSON at \S*flow\.json:3:2$/);
  const escape = flowFile(t, '{ "a": "\\q" }');
  assert.match(fileError(escape), /is not valid JSON at \S*flow\.json:1:9$/);
  for (const empty of ['', '  \n']) {
    assert.match(fileError(flowFile(t, empty)), /flow\.json is not valid JSON: the file is empty$/);
  }
});

test('flow file – nesting deeper than 64 objects and arrays is refused at the bracket past the limit, never a stack overflow', (t) => {
  // 2,000 levels (4 KB): the top object is level 1, so the 64th `[` (column 17 + 63) is level 65.
  const deep = flowFile(t, `{"name":"d","x":${'['.repeat(2000)}${']'.repeat(2000)}}`);
  assert.match(fileError(deep), /^flow file \S+ nests objects and arrays deeper than 64 levels at \S+flow\.json:1:80$/);
  // 64 levels (and brackets inside strings, which nest nothing) are read: the schema speaks then, not the reader.
  const limit = flowFile(t, `{"name":"[[[[{{{{","x":${'['.repeat(63)}${']'.repeat(63)}}`);
  assert.ok(flowProblems(limit).some((p) => p.includes('/x')), flowProblems(limit).join('\n'));
});
