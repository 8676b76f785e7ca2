// The flow file schema (`iso8583 run --schema`) says what a flow file can give: an option whose other forms only code
// can give (a TransactionLog or journal object) is described by its JSON forms alone, and what its text names is what
// the flow loader accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flowSchema } from '../src/index.js';
import { flowProblems } from './flow-problems.js';

type Schema = { description?: string; type?: unknown; anyOf?: Schema[]; properties?: Record<string, Schema>; additionalProperties?: unknown };

/** Whether `schema` lets an object through (itself, or one of its `anyOf` forms). */
function takesObject(schema: Schema): boolean {
  const types = Array.isArray(schema.type) ? (schema.type as unknown[]) : [schema.type];
  return types.includes('object') || schema.properties !== undefined || (schema.anyOf ?? []).some(takesObject);
}

/** Every described property of the schema, at any depth, by its JSON path. */
function described(schema: Schema, at: string, out: [string, Schema][] = []): [string, Schema][] {
  for (const [key, value] of Object.entries(schema.properties ?? {})) {
    if (typeof value.description === 'string') out.push([`${at}/${key}`, value]);
    described(value, `${at}/${key}`, out);
  }
  const more = schema.additionalProperties;
  if (more !== null && typeof more === 'object') described(more as Schema, `${at}/*`, out);
  return out;
}

test('flow schema – no option a flow file cannot give an object to is described by an object form, nor as runtime only', () => {
  const stale = described(flowSchema() as Schema, '')
    .filter(([, s]) => !takesObject(s) && /\bobject\b|runtime only/i.test(s.description as string))
    .map(([path, s]) => `${path}: ${s.description}`);
  assert.deepEqual(stale, []);
});

test('flow schema – transactionLog and store: what the text names is what the loader takes', (t) => {
  const connector = (flowSchema() as { properties: { connectors: { additionalProperties: Schema } } }).properties.connectors.additionalProperties;
  const props = connector.properties as Record<string, Schema>;
  assert.match(props.transactionLog?.description ?? '', /only `false`/);
  assert.match(props.store?.description ?? '', /postgresql:\/\/USER\[:PASSWORD\]@HOST:PORT\/DB URL \(postgres:\/\/ too/);

  const dir = mkdtempSync(join(tmpdir(), 'iso8583-flow-schema-text-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'flow.json');
  /** The codes of the problems of a flow whose one connector has `extra`, or [] when it loads. */
  const problems = (extra: Record<string, unknown>): string[] => {
    writeFileSync(file, JSON.stringify({ connectors: { bank: { host: '127.0.0.1', port: 1, ...extra } } }));
    return flowProblems(file, { PG_URL: 'postgresql://u@127.0.0.1:1/db' });
  };
  assert.deepEqual(problems({ transactionLog: false }), []);
  for (const bad of [true, {}, 'file']) assert.equal(problems({ transactionLog: bad }).length, 1, JSON.stringify(bad));
  for (const url of ['postgresql://u@127.0.0.1:1/db', 'postgres://u:p@127.0.0.1:1/db', '${PG_URL}']) assert.deepEqual(problems({ store: url, reversal: { enabled: true } }), [], url);
  for (const bad of [{}, 'file:///tmp/j', '/tmp/journal']) assert.equal(problems({ store: bad, reversal: { enabled: true } }).length, 1, JSON.stringify(bad));
});
