// The PostgreSQL advisory lock classes (the first int4 of pg_advisory_lock(int4, int4)) of the store: each kind of
// lock has its own, so that one kind never waits on (nor is taken for) another (the bank marker's check once shared
// the terminal locks' class). Read from the sources of src/pg/, where every class is a named constant.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';

test('every advisory lock class of the PostgreSQL store is distinct', () => {
  const dir = new URL('../../src/pg/', import.meta.url);
  const classes: Array<{ file: string; name: string; value: number }> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(new URL(file, dir), 'utf8');
    for (const m of text.matchAll(/const (\w+) = (858_300_\d{3});/g)) classes.push({ file, name: m[1] as string, value: Number((m[2] as string).replace(/_/g, '')) });
  }
  assert.ok(classes.length >= 5, `the lock classes found: ${JSON.stringify(classes)}`);
  const seen = new Map<number, string>();
  for (const c of classes) {
    const before = seen.get(c.value);
    assert.equal(before, undefined, `${c.file} ${c.name} = ${c.value} is also ${before}`);
    seen.set(c.value, `${c.file} ${c.name}`);
  }
});
