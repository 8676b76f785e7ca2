/**
 * Hexadecimal digits: the message form of binary values (two uppercase hex digits per byte; lower case accepted).
 */

/** Hex digit character code -> its value, or 255 for a character that is not a hex digit. */
export const HEX_VALUE: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(255);
  for (let i = 0; i < 10; i++) table[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[0x41 + i] = 10 + i;
    table[0x61 + i] = 10 + i;
  }
  return table;
})();

/** Uppercase hex digit character codes, by value. */
export const HEX_CHAR: Uint8Array = Uint8Array.from([
  0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46,
]);

/** The two-character uppercase hex of every byte value. */
export const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) =>
  b.toString(16).toUpperCase().padStart(2, '0'),
);

/** True when `value` is an even number of hex digits (upper or lower case). */
export function isHex(value: string): boolean {
  const n = value.length;
  if ((n & 1) !== 0) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || HEX_VALUE[c] === 255) return false;
  }
  return true;
}
