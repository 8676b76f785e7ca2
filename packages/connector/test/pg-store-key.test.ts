// One PostgreSQL database named by two spellings of its URL is one store: the journals of a process that share it
// share one count of the entries no node takes (pg/stranded.ts), one statement a minute and one figure reported, not
// one per spelling. The key never holds the password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { storeKey } from '../src/pg/store-key.js';
import { StrandedEntries } from '../src/pg/stranded.js';

const SAME: readonly (readonly string[])[] = [
  ['postgres://u@127.0.0.1:5432/db', 'postgresql://u@127.0.0.1/db', 'POSTGRESQL://u@127.0.0.1:5432/db'],
  ['postgresql://u@DB.Example.internal/db', 'postgresql://u@db.example.internal:5432/db'],
  ['postgresql://u@h:6432/db?sslmode=require&application_name=gw', 'postgres://u@h:6432/db?application_name=gw&sslmode=require'],
  ['postgresql://u@h', 'postgresql://u@h/', 'postgresql://u@h:5432/'],
  ['postgresql://u:s3cret@h/db', 'postgresql://u:other@h/db', 'postgresql://u@h/db?password=s3cret', 'postgresql://u@h/db'],
  ['postgresql://u@[::1]/db', 'postgres://u@[::1]:5432/db'],
];

const APART: readonly (readonly [string, string])[] = [
  ['postgresql://u@h/db', 'postgresql://u@h/db2'],
  ['postgresql://u@h/db', 'postgresql://u@h:6432/db'],
  ['postgresql://u@h/db', 'postgresql://v@h/db'],
  ['postgresql://u@h/db', 'postgresql://u@h2/db'],
  ['postgresql://u@h/db', 'postgresql://u@h/db/'],
  ['postgresql://u@h/db?sslmode=require', 'postgresql://u@h/db?sslmode=disable'],
  ['postgresql://u@h/Db', 'postgresql://u@h/db'],
];

test('storeKey – the spellings of one database give one key', () => {
  for (const spellings of SAME) {
    const keys = new Set(spellings.map(storeKey));
    assert.equal(keys.size, 1, `one key for ${spellings.join(' , ')}: ${[...keys].join(' , ')}`);
  }
  assert.equal(storeKey('postgres://u@127.0.0.1/db?b=2&a=1'), 'postgresql://u@127.0.0.1:5432/db?a=1&b=2');
});

test('storeKey – another database, port, user, host, path or parameter value is another store', () => {
  for (const [a, b] of APART) assert.notEqual(storeKey(a), storeKey(b), `${a} and ${b}`);
});

test('storeKey – no password in the key, from the user info or a parameter', () => {
  for (const url of ['postgresql://u:s3cret@h/db', 'postgresql://u@h/db?password=s3cret&sslmode=require']) {
    assert.doesNotMatch(storeKey(url), /s3cret|password/);
  }
  assert.equal(storeKey('not a url'), 'not a url');
});

test('StrandedEntries – journals of one database named by two spellings share one count, reported by the first', () => {
  const logger = pino({ level: 'silent' });
  const first = {};
  const second = {};
  const a = StrandedEntries.join('postgres://u:one@127.0.0.1:5432/store_key?sslmode=disable&application_name=a', first, logger, 1000);
  const b = StrandedEntries.join('postgresql://u:two@127.0.0.1/store_key?application_name=a&sslmode=disable', second, logger, 1000);
  try {
    assert.equal(a, b, 'one count for the store');
    assert.equal(a.reports(first), true);
    assert.equal(b.reports(second), false, 'the second spelling reports 0: the gauge counts the store once');
  } finally {
    a.leave(first);
    b.leave(second);
  }
  const again = {};
  const c = StrandedEntries.join('postgresql://u@127.0.0.1/store_key?application_name=a&sslmode=disable', again, logger, 1000);
  c.leave(again);
  assert.notEqual(c, a, 'forgotten once the last journal of the store left');
});
