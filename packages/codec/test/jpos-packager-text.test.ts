/**
 * The jPOS import's limits on the packager text itself: its length (a coded refusal, never a RangeError from a stack
 * overflow), its encoding (UTF-8: a UTF-16 file is refused saying so) and the wording of a malformed document's error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialectFromPackagerXml, resolveDialect } from '../src/index.js';

/** The limit of a packager document: 1 MiB, as of a packager file. */
const MAX_DIALECT_FILE_BYTES = 1024 * 1024;
import { jposPackager, refused } from './jpos-support.js';

test('jPOS packager text – a packager over 1 MiB is refused with a coded error naming the limit', () => {
  // 130,000 field elements (5.8 MB) overflowed the stack (an uncoded RangeError) when the children were spread.
  const field = '<isofield id="2" length="1" name="X" class="IF_CHAR"/>';
  const many = field.repeat(130_000);
  const err = refused(() => dialectFromPackagerXml(jposPackager(many), 'p'), 'ISO8583_ERR_PACKAGER_XML');
  assert.match(err.message, new RegExp(`the packager document is over ${MAX_DIALECT_FILE_BYTES} characters`));
  // Just under the limit, as many field elements as fit import (the last definition of field 2 kept).
  const fit = Math.floor((MAX_DIALECT_FILE_BYTES - jposPackager('').length) / field.length);
  const d = dialectFromPackagerXml(jposPackager(field.repeat(fit)), 'p');
  assert.equal(d.fields['2']!.length, 1);
});

test('jPOS packager text – a UTF-16 packager file is refused saying it must be UTF-8', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-fix56f-utf16-'));
  try {
    const text = jposPackager('<isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM"/>');
    const le = join(dir, 'le.xml');
    writeFileSync(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const be = join(dir, 'be.xml');
    writeFileSync(be, Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]));
    const bare = join(dir, 'bare.xml');
    writeFileSync(bare, Buffer.from(text, 'utf16le'));
    for (const file of [le, be, bare]) {
      const err = refused(() => resolveDialect(file), 'ISO8583_ERR_PACKAGER_XML');
      assert.match(err.message, /the packager must be UTF-8: this one looks like UTF-16/, file);
    }
    // A UTF-8 byte order mark is fine.
    const bom = join(dir, 'bom.xml');
    writeFileSync(bom, `\uFEFF${text}`);
    assert.equal(resolveDialect(bom).name, 'bom');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('jPOS packager text – a malformed document without a column says no "column undefined"', () => {
  const err = refused(() => dialectFromPackagerXml('<!DOCTYPE isopackager [<!ENTITY <isopackager/>', 'p'), 'ISO8583_ERR_PACKAGER_XML');
  assert.match(err.message, /not well-formed XML \(\w+ at line 1\)$/);
  assert.doesNotMatch(err.message, /undefined/);
  // With a column it is given.
  assert.match(refused(() => dialectFromPackagerXml('<isopackager><isofield></isopackager>', 'p'), 'ISO8583_ERR_PACKAGER_XML').message, /at line 1, column \d+\)/);
});
