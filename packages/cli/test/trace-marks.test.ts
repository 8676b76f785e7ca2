/**
 * A tracer loads each dialect once, when it is made: a dialect file is not read again on the message path (gone from
 * disk after the start, the traces still name and mask by it). And the marks of the other dialects a message crosses
 * walk only into sub-fields as the codec's masks do: a typed array (a PAN's bytes) is hidden whole, never shown as
 * sub-fields `0: 52`, `1: 49`, ...
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { resolveDialect } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { createTracer } from '../src/trace.js';

const PAN = '4111111111111111';

/** A logger at `info` whose lines land in `lines`, parsed. */
function captured(): { logger: Logger; lines: { msg: string; stan?: string }[] } {
  const lines: { msg: string; stan?: string }[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, done) => { lines.push(JSON.parse(chunk.toString()) as { msg: string }); done(); } });
  return { logger: pino({ level: 'info' }, sink), lines };
}

test('trace marks – the dialect files are read when the tracer is made: gone from disk, the messages are still named and masked by them', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-trace-files-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const own = join(dir, 'own.json');
  const other = join(dir, 'other.json');
  writeFileSync(own, JSON.stringify({ name: 'own', extends: 'iso87ascii', fields: { '48': { sensitive: 'cvv' } } }));
  writeFileSync(other, JSON.stringify({ name: 'other', extends: 'iso87ascii', fields: { '62': { sensitive: 'cvv' } } }));
  const { logger, lines } = captured();
  const tracer = createTracer({ logger, dialect: own, logMessages: true, alsoMaskedBy: [other] });
  rmSync(own);
  rmSync(other);
  const message = { '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '11': '000123', '41': 'TERM0001', '48': 'CVV2=4729', '62': 'CVC=8316' };
  tracer.message('out', message, { side: 'upstream', peer: '127.0.0.1:1' });
  tracer.message('in', { ...message, '0': '0210', '39': '00' }, { side: 'upstream', peer: '127.0.0.1:1', latencyMs: 1 });
  assert.equal(lines.length, 2);
  for (const line of lines) {
    assert.equal(line.stan, '000123', 'the summary shown');
    assert.match(line.msg, /PRIMARY ACCOUNT NUMBER \(PAN\): 411111\*{6}1111/, 'the fields shown');
    for (const secret of [PAN, '4729', '8316']) assert.ok(!line.msg.includes(secret), `${line.msg} shows ${secret}`);
  }
});

test('trace marks – a sub-field another dialect marks, in a value that is a typed array, hides the value whole', () => {
  const ascii = resolveDialect('iso87ascii');
  const field48 = ascii.fields['48'];
  assert.ok(field48 !== undefined);
  // The other dialect: field 48 made of sub-fields, its sub-field 1 a PAN.
  const other = { ...ascii, fields: { ...ascii.fields, '48': { ...field48, subfields: { fields: { '1': { type: 'ans', length: 19, sensitive: 'pan' } } } } } } as unknown as Dialect;
  const { logger, lines } = captured();
  const tracer = createTracer({ logger, dialect: 'iso87ascii', logMessages: true, alsoMaskedBy: [other] });
  for (const value of [new Uint8Array(Buffer.from(PAN)), new Uint16Array([52, 49, 49, 49]), Object('4111111111111111') as object]) {
    tracer.message('in', { '0': '0200', '11': '000124', '48': value }, { side: 'pos', peer: '127.0.0.1:1' });
  }
  assert.equal(lines.length, 3);
  for (const line of lines) {
    const shown = line.msg.split('\n').filter((l) => /^ {2,}/.test(l)).join('\n');
    assert.doesNotMatch(shown, /\b(52|49)\b/, `a PAN's bytes shown as numbers: ${line.msg}`);
    assert.doesNotMatch(shown, /4111|1111/, `a PAN's digits shown: ${line.msg}`);
    assert.match(line.msg, /48 .*\[hidden\]/, `field 48 hidden whole: ${line.msg}`);
  }
});
