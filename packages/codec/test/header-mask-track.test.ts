/**
 * maskHeader and a BCD track 2 in a header (PAN, `D`, expiry, service code, discretionary data): the track data after
 * the card number is hidden with it, as the free-text masks hide it; what follows the track (padding, other bytes)
 * shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskHeader } from '@iso8583/codec';

const PAN = '4761739001010010';

test('maskHeader hides the D and the track data after a BCD card number in a header', () => {
  assert.equal(maskHeader(`${PAN}D25121011234567890`), '*'.repeat(34));
  assert.equal(maskHeader(`6000010000AA${PAN}D2512101123456789F`), `6000010000AA${'*'.repeat(33)}F`);
  // As Buffer#toString('hex') writes it, lowercase.
  assert.equal(maskHeader(`${PAN}d25121011234567890`), '*'.repeat(34));
  // A D with no digit after it is no track: shown.
  assert.equal(maskHeader(`${PAN}DF`), `${'*'.repeat(16)}DF`);
});
