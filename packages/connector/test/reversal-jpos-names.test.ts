// A jPOS packager naming 22 "POS ENTRY MODE (ICC/EMV)" and 23 "ICC CARD SEQUENCE NUMBER": neither is chip data (that is
// field 55), so the default reversal keeps 22, a reversal copying 23 keeps it, and a connector may list 23 in
// reversal.fields. Before, the import marked both `emv` (never stored): dropped from reversals, 23 refused at creation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialectFromPackagerXml } from '@iso8583/codec';
import { REVERSAL_FIELDS, buildReversal, validateConnectorOptions } from '../src/index.js';

const PACKAGER = `<isopackager>
  <isofield id="0" length="4" name="MTI" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="1" length="16" name="BITMAP" class="org.jpos.iso.IFA_BITMAP"/>
  <isofield id="2" length="19" name="PRIMARY ACCOUNT NUMBER" class="org.jpos.iso.IFA_LLNUM"/>
  <isofield id="3" length="6" name="PROCESSING CODE" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="4" length="12" name="AMOUNT, TRANSACTION" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="7" length="10" name="TRANSMISSION DATE AND TIME" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="11" length="6" name="SYSTEM TRACE AUDIT NUMBER" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="22" length="3" name="POS ENTRY MODE (ICC/EMV)" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="23" length="3" name="ICC CARD SEQUENCE NUMBER" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="41" length="8" name="CARD ACCEPTOR TERMINAL ID" class="org.jpos.iso.IF_CHAR"/>
  <isofield id="90" length="42" name="ORIGINAL DATA ELEMENTS" class="org.jpos.iso.IFA_NUMERIC"/>
</isopackager>`;

const ORIGINAL = {
  '0': '0200', '2': '4111111111111111', '3': '000000', '4': '000000001000', '7': '1205163000', '11': '000123', '22': '051', '23': '001', '41': 'TERM0001',
};

test('jPOS names: fields 22 and 23 named for the chip are kept in reversals', () => {
  const dialect = dialectFromPackagerXml(PACKAGER, 'host');
  assert.equal(buildReversal(ORIGINAL, '0400', dialect, REVERSAL_FIELDS)['22'], '051');
  const reversal = buildReversal(ORIGINAL, '0400', dialect, ['2', '3', '4', '7', '11', '22', '23', '41', '90']);
  assert.deepEqual([reversal['22'], reversal['23']], ['051', '001']);
});

test('jPOS names: a connector may copy field 23 named "ICC CARD SEQUENCE NUMBER" into its reversals', () => {
  const dialect = dialectFromPackagerXml(PACKAGER, 'host');
  const fields = ['2', '3', '4', '7', '11', '23', '41', '90'];
  const resolved = validateConnectorOptions({ host: '127.0.0.1', port: 1, dialect, reversal: { enabled: true, journalDir: '/nonexistent-fix50n', fields } });
  assert.deepEqual([...resolved.reversal.fields], fields);
});
