// What the jPOS import tests share: a packager XML with a message type and bitmap of the given classes around field
// elements, and the coded refusal of an import or a pack.
import assert from 'node:assert/strict';
import { isIso8583Error } from '../src/index.js';

/** The classes of the message type (field 0) and the bitmap (field 1), and attributes of `<isopackager>`. */
export interface PackagerTop {
  /** Default `IFA_NUMERIC`. */
  mti?: string;
  /** Default `IFA_BITMAP`. */
  bitmap?: string;
  /** Default none. */
  attributes?: string;
}

/** A jPOS packager: a 4-digit message type, a 16-byte bitmap, then `fields` (isofield / isofieldpackager elements). */
export function jposPackager(fields: string, top: PackagerTop = {}): string {
  return `<isopackager ${top.attributes ?? ''}>
  <isofield id="0" length="4" name="MTI" pad="true" class="org.jpos.iso.${top.mti ?? 'IFA_NUMERIC'}"/>
  <isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.${top.bitmap ?? 'IFA_BITMAP'}"/>
  ${fields}
</isopackager>`;
}

/** The coded error `fn` throws, checked to be `code`; fails when it throws none. */
export function refused(fn: () => unknown, code: string): Error & { field?: string; problems?: { field: string; code: string }[] } {
  try {
    fn();
  } catch (err) {
    assert.ok(isIso8583Error(err), String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  return assert.fail(`expected ${code}`);
}
