/**
 * What the toolkit writes as a system error, it reads as one: `responseCodeIn` follows the MTI's version digit (a 0410
 * carries 1987 codes, a 1430 1993 action codes, whatever the dialect's edition), so the system errors of a dialect
 * (`isSystemError`, what the store-and-forward queue repeats a reversal on) hold both editions' codes, each in the
 * width field 39 gives it. A 1993 dialect that answers a 0400 with `68` sends `068`, which is a system error there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, getDialect, isSystemError, responseCodeIn, systemErrorCodesOf } from '../src/index.js';
import type { Dialect } from '../src/index.js';

/** The 1987 response codes of the toolkit's own answers that say the host did not process the message. */
const SYSTEM_ERRORS = ['68', '91', '96'];

/** A custom 1993 dialect (iso93ascii's fields: field 39 `n 3`) whose network sends 1987 MTIs (a 0400) too. */
const custom93: Dialect = { ...getDialect('iso93ascii'), name: 'custom93' };
/** A custom 1987 dialect whose field 39 has 3 digits, whose network sends 1993 MTIs (a 1420) too. */
const custom87: Dialect = { ...getDialect('iso87ascii'), name: 'custom87', fields: { ...getDialect('iso87ascii').fields, '39': { name: 'RESPONSE CODE', type: 'n', length: 3, encoding: 'ascii' } } };

for (const dialect of [custom93, custom87, getDialect('iso93ascii'), getDialect('iso87ascii'), getDialect('iso87binary')]) {
  test(`system errors – ${dialect.name}: the toolkit's own 68, 91 and 96 answers to reversals and advices, as they travel, are system errors`, () => {
    const codec = createCodec(dialect);
    for (const mti of ['0410', '0430', '1430', '1410', '0230', '1230']) {
      for (const code of SYSTEM_ERRORS) {
        const written = responseCodeIn(dialect, mti, code);
        const read = codec.unpack(codec.pack({ '0': mti, '11': '000001', '39': written }))['39'];
        assert.equal(isSystemError(dialect, read), true, `${mti} ${code}: written ${written}, read ${String(read)}, system errors ${systemErrorCodesOf(dialect).join(',')}`);
      }
    }
  });
}

test('system errors – a 1993 dialect with field 39 of 3 digits: 1993 first, then 1987 in 3 digits; never an approval code', () => {
  assert.deepEqual(systemErrorCodesOf(custom93), ['907', '909', '910', '911', '912', '068', '091', '096']);
  assert.deepEqual(systemErrorCodesOf(custom87), ['068', '091', '096', '907', '909', '910', '911', '912']);
  for (const dialect of [custom93, custom87]) for (const approved of ['000', '400', '00', '002']) assert.equal(isSystemError(dialect, approved), false);
});
