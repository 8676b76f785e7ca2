// One home for the masking of text from elsewhere (sr68 fix68d #1): a sequence's fault as `iso8583 run` logs it
// (process-faults.ts `maskFaultText`) and a command's error line (io.ts `safeText`) mask the same forms of card data,
// the union of what each masked before: the codec's `maskUntrustedText`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeText } from '../src/io.js';
import { maskFaultText } from '../src/process-faults.js';

const PAN = '4761739001010010';
const PIN_BLOCK = '0123456789ABCDEF';
const ICC = '5A0847617390010100105F200F43415244484F4C4445522F544553549F2608A1B2C3D4E5F60102';
/** Field 55 whose base64 holds a `/` (so that a path's part-by-part reading must not let it through, mend68d #1). */
const ICC_SLASH_B64 = Buffer.from(`${ICC}9F3704FFF0A1B2`, 'hex').toString('base64');
const ebcdic = (digits: string): string => [...digits].map((d) => `F${d}`).join('');

/** Each form of card data a text may carry, and the part of it that must not survive. */
const FORMS: ReadonlyArray<readonly [string, string, string]> = [
  ['a PAN', `pan ${PAN} here`, '73900101'],
  ['a PAN in groups', `pan ${PAN.match(/..../g)!.join(' ')} here`, '7390 0101'],
  ['a PAN as the hex of its ASCII bytes', `hex ${Buffer.from(PAN).toString('hex')} here`, Buffer.from('73900101').toString('hex')],
  ['a PAN as the hex of its EBCDIC bytes', `hex ${ebcdic(PAN)} here`, ebcdic('73900101')],
  ['a PAN URL-encoded', `url ${[...PAN].map((d) => `%3${d}`).join('')} here`, '%37%33%39%30%30%31%30%31'],
  ['a PAN as BCD in base64', `b64 ${Buffer.from(PAN, 'hex').toString('base64')} here`, Buffer.from(PAN, 'hex').toString('base64').slice(0, 8)],
  ['a PAN as text in base64', `b64 ${Buffer.from(PAN).toString('base64')} here`, Buffer.from(PAN).toString('base64').slice(4, 16)],
  ['a PIN block in padded base64', `pin ${Buffer.from(PIN_BLOCK, 'hex').toString('base64')} here`, Buffer.from(PIN_BLOCK, 'hex').toString('base64').slice(0, 8)],
  ['field 55 in base64', `icc ${Buffer.from(ICC, 'hex').toString('base64')} here`, Buffer.from(ICC, 'hex').toString('base64').slice(8, 24)],
  ['field 55 in base64 holding a /', `icc ${ICC_SLASH_B64} here`, ICC_SLASH_B64.slice(0, 12)],
  ['field 55 as hex', `icc ${ICC} here`, ICC.slice(20, 40)],
  // Card data with a `/` inside, not a path (sr68m #1, #2): judged whole, not part by part.
  ['a PAN split by a /', `pan 47617390/01010010 here`, '01010010'],
  ['a PAN split by a / late', `pan 4761739001/010010 here`, '4761739001'],
  ['field 55 as hex in groups split by /', `icc 5A08/4761/7390/0101/0010/5F20/0F43 here`, '4761/7390'],
  ['a PIN block as hex split by /', `pin 0123/4567/89AB/CDEF here`, '4567/89AB'],
  ['a PIN block as base64 after a key', 'host refused pinBlock=A/Z0S8b4pOk= here', 'Z0S8b4pOk'],
  ['a PIN block as base64 after a field name', 'f52=IW7D1/j/pYw= here', 'IW7D1/j/pYw'],
  ['padded base64 after a path', 'GET /pin//uaz6niRDR0= here', 'uaz6niRDR0'],
  // In a run that starts with `/` (judged part by part, as a path): hex groups glued, short base64 read (sr68p #2).
  ['field 55 as hex groups in a path', 'icc /5A08/4761/7390/0101/0010/5F20/0F43 here', '4761/7390'],
  ['a PIN block as hex groups in a path', 'GET /pin/0123/4567/89AB/CDEF here', '4567/89AB'],
  ['a PAN split by a / in a path', 'pan /47617390/01010010 here', '01010010'],
  ['a PAN as BCD in unpadded base64 in a path', 'pan /cards/R2FzkAEBABA here', 'R2FzkAEBABA'],
  ['a track 1 name', `track B${PAN}^CARDHOLDER/TEST^2512201 here`, 'CARDHOLDER'],
  ['hex with its byte pairs apart', `icc 9f 26 08 a1 b2 c3 d4 e5 f6 here`, 'a1 b2 c3'],
  ['hex with its byte pairs apart by colons', `icc 9F:26:08:A1:B2:C3:D4:E5:F6 here`, 'A1:B2:C3'],
];

for (const [surface, mask] of [['a fault (maskFaultText)', maskFaultText], ['an error line (safeText)', safeText]] as const) {
  test(`${surface} – every form of card data either surface masked is hidden; the words around it are kept`, () => {
    for (const [name, text, secret] of FORMS) {
      const masked = mask(text);
      assert.ok(!masked.includes(secret), `${name}: ${masked}`);
      assert.match(masked, /here$/, `${name}: ${masked}`);
    }
  });
}

/** Paths and JSON pointers the product names in its errors (mend68d #1): an error line must keep them readable. */
const NAMED = [
  '/upstreamGroups/main/upstreams/1',
  '/inboundEndpoints/pos/allowedPeers/0',
  '/connectors/bankA/fields/2',
  '/var/log/iso8583/2026/12/07/gw',
  '/Users/Bob/iso8583/flows',
  '/home/bob/Projects/iso8583/flows/pay',
  '/var/log/iso8583/20261207',
  'maxConnections=',
];

test('an error line (safeText) keeps the paths and JSON pointers the product names, and a PAN inside one is hidden', () => {
  assert.ok(ICC_SLASH_B64.includes('/'), ICC_SLASH_B64);
  for (const named of NAMED) assert.equal(safeText(`flow: ${named}: must be a string`), `flow: ${named}: must be a string`);
  const masked = safeText(`flow: /tmp/flows/${PAN}/pay: not found`);
  assert.ok(!masked.includes('73900101'), masked);
  assert.match(masked, /^flow: \/tmp\/flows\/.*\/pay: not found$/);
});
