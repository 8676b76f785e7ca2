/**
 * The checksum of a journal record: CRC-32 (zlib's, the one gzip and PNG use) of the record's bytes up to the checksum
 * itself, written as the record's last member, `,"crc":"<8 lowercase hex digits>"}`, so that every line stays one JSON
 * object (`jq` reads the file as before). A flipped bit anywhere in a record (its id, an amount, a STAN) then fails
 * the check on the next start instead of replaying as a different record. Lines without a checksum, written by
 * versions before it, still read; a line that is not one of them (a member other than theirs: a damaged checksum) does
 * not. `zlib.crc32` is native (Node 20.15 / 22.2 and later; the packages need 20.19).
 */
import { crc32 } from 'node:zlib';

/** What goes between a record's last member and its checksum's 8 hex digits. */
const SEAL_HEAD = ',"crc":"';
/** {@link SEAL_HEAD}'s bytes: what begins every checksum (`,"crc":"`), the one spelling of it for the readers too. */
export const SEAL_HEAD_BYTES = Buffer.from(SEAL_HEAD);

/** The bytes a checksum adds at the end of a record: `,"crc":"` + 8 hex digits + `"}`. */
export const SEAL_LENGTH = SEAL_HEAD.length + 8 + 2;

/** The members of a record written before the checksum: a line without a checksum holding any other is not a record. */
export const UNSEALED_MEMBERS: ReadonlySet<string> = new Set(['op', 'id', 'reversal', 'at', 'attempts', 'kind', 'outcome', 'attempt']);

/** Every byte as 2 lowercase hex digits. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * `n` (an unsigned 32-bit integer) as 8 lowercase hex digits, byte by byte from a table: `toString(16)` took about
 * 1 µs a call (V8's radix conversion), more than the CRC of a 300-byte record.
 */
function hex8(n: number): string {
  return (HEX[n >>> 24] as string) + (HEX[(n >>> 16) & 0xff] as string) + (HEX[(n >>> 8) & 0xff] as string) + (HEX[n & 0xff] as string);
}

/**
 * A record line from `open`, its JSON text without the closing `}`: the text, its checksum and the closing brace. The
 * CRC covers the UTF-8 bytes of `open` (as written to the file).
 */
export function seal(open: string): string {
  return open + SEAL_HEAD + hex8(crc32(open)) + '"}';
}

/** How a line's checksum reads: none (a line of an older version), good, or bad (the line was damaged). */
export type SealCheck = 'none' | 'good' | 'bad';

/** True when `b` is a lowercase hex digit's byte (a checksum's digits are). */
export function hexDigit(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66);
}

/**
 * Checks the checksum at the end of `line` (one line of the file, without its newline). `none` when the line does not
 * end with `,"crc":"..."}` at all; `bad` when it does and its digits are not 8 hex digits or not the CRC-32 of the
 * bytes before it.
 */
export function checkSeal(line: Buffer): SealCheck {
  const n = line.length;
  const head = n - SEAL_LENGTH;
  if (head < 1 || line[n - 1] !== 0x7d || line[n - 2] !== 0x22) return 'none';
  if (line.compare(SEAL_HEAD_BYTES, 0, SEAL_HEAD_BYTES.length, head, head + SEAL_HEAD_BYTES.length) !== 0) return 'none';
  let crc = 0;
  for (let i = n - 10; i < n - 2; i++) {
    const b = line[i] as number;
    if (!hexDigit(b)) return 'bad';
    crc = crc * 16 + (b <= 0x39 ? b - 0x30 : b - 0x57);
  }
  return crc32(line.subarray(0, head)) === crc ? 'good' : 'bad';
}
