/**
 * The masking of free text, on its own: what an error line needs (the CLI's `formatError`, the connector's error
 * details) without the dialects and views that the rest of mask.ts loads (a process that only reports a failure or
 * prints its help starts with a few files of the codec, not all of it).
 */
import { maskDigitRuns } from './digit-runs.js';
import { maskHexRuns } from './hex-runs.js';
import { TRACK1_NAME } from './track-end.js';

/**
 * Free text (the hex of a binary field, or a text field's value): its digit runs masked ({@link maskDigitRuns}: ASCII
 * digits `3x` are digits in hex too), and the numbers it spells as the hex of ASCII or EBCDIC bytes masked by the same
 * rule ({@link maskHexRuns}: a binary field; a hex dump written into a text field, whole, with its byte pairs apart
 * (`34 31`, `34:31`, `34,31`, `0x34, 0x31`, `\x34\x31`), at an odd position or inside words; a number written whole
 * or in groups, track data after one), each hidden
 * character's byte as `**`: `F4F7F6F1F7F3************F0F0F1F0`, `34:37:36:31:37:33:**:**:**:**:**:**:30:30:31:30`.
 * What {@link maskFieldValue} does to a value of no sensitivity and no field spec; for any text a log may show that is
 * no field of a known dialect (an error's detail, a request's body that does not parse).
 */
export function maskFreeText(text: string): string {
  return maskHexRuns(text, maskDigitRuns(text));
}

/** A run of 12 or more characters of the base64 and hex alphabets: hidden when {@link looksLikeDump}. */
const DUMP_RUN = /[A-Za-z0-9+/=]{12,}/g;

/**
 * A track 1 cardholder name between its separators (`^DOE/JOHN^`): hidden (its separators kept). The closing separator
 * is not taken, so that it can open the next match (`^ near B4111...^DOE/JOHN^`, sr67o #3).
 */
const TRACK1_NAME_RUN = new RegExp(`\\^([^^\\n]{2,${TRACK1_NAME}})(?=\\^)`, 'g');

/** Hex with its byte pairs apart (`01 23 45 ...`, `01:23:45:...`), 8 pairs or more: a byte dump, hidden. */
const SPACED_HEX = /\b[0-9A-Fa-f]{2}(?:[ :][0-9A-Fa-f]{2}){7,}\b/g;

/** The parts of a run judged alone: 12 characters or more (what {@link DUMP_RUN} takes). */
const DUMP_PART = 12;

/**
 * Whether a {@link DUMP_RUN} looks like a byte dump (field 55 or a PIN block as hex or base64, a track's data after its
 * separator) rather than a word, a path or a JSON pointer: 8 digits or more, or 16 characters or more mixing digits,
 * upper and lower case letters (base64), or base64 whose bytes spell 12 digits (BCD or text) or that is padded. A run
 * with a `/` between parts (`/upstreamGroups/main/upstreams/1`, `/home/bob/Projects/iso8583/flows`: the product names
 * paths and pointers in its errors, mend68d #1) is judged part by part, each part of 12 characters or more by these
 * rules alone (`/var/log/iso8583/20261207` kept, `/tmp/4761739001010010` not), while the bytes of the whole run are
 * still read (base64 of field 55 or of a card number may hold a `/`).
 */
function looksLikeDump(run: string): boolean {
  if (!PATH_LIKE.test(run)) return hasDumpShape(run) || hasDumpBytes(run);
  const parts = run.split('/');
  return (
    parts.some((part) => (part.length >= DUMP_PART && hasDumpShape(part)) || (part.length >= BYTES_PART && hasDumpBytes(part))) ||
    hasHexStretch(parts) ||
    hasDumpBytes(run)
  );
}

/** The parts of a path-like run whose bytes are read alone: 8 characters or more (unpadded base64 of a BCD PAN is 11). */
const BYTES_PART = 8;

/** A part that may be a group of a hex dump written with `/` between its groups (`/5A08/4761/7390/...`, `4761739001/010010`). */
const HEX_GROUP = /^[0-9A-Fa-f]{2,12}$/;

/**
 * Whether consecutive parts of a path-like run are the groups of one hex value (a PAN, a PIN block, field 55 written
 * `/4761/7390/0101/0010`, sr68p #2): two or more hex groups in a row that glued are 12 characters or more with 8 digits
 * or more (`/2026/12/07` is not).
 */
function hasHexStretch(parts: readonly string[]): boolean {
  let glued = '';
  let groups = 0;
  for (const part of [...parts, '']) {
    if (HEX_GROUP.test(part)) {
      glued += part;
      groups++;
      continue;
    }
    if (groups >= 2 && glued.length >= DUMP_PART && glued.replace(/[^0-9]/g, '').length >= 8) return true;
    glued = '';
    groups = 0;
  }
  return false;
}

/**
 * A run read part by part: one with a `/` and no `+` nor `=` (base64 may hold them; a path or a JSON pointer the product
 * names does not), whether it starts the path (`/upstreamGroups/main/upstreams/1`) or a folder's name cut the run
 * before it (`/tmp/iso8583-perm-X1O20k/journal/reversals.jsonl`: `X1O20k/journal/reversals`). Card data written with
 * `/` inside (`47617390/01010010`, `0123/4567/89AB/CDEF`, `5A08/4761/7390/...`) is caught by its glued hex groups
 * ({@link hasHexStretch}); with `+` or `=` (`pinBlock=A/Z0S8b4pOk=`) the run is judged whole (sr68m #1, sr68p #2).
 */
const PATH_LIKE = /^[^+=]*\/[^+=]*$/;

/** 8 digits or more, or 16 characters or more mixing digits, upper and lower case letters (base64). */
function hasDumpShape(run: string): boolean {
  const digits = run.replace(/[^0-9]/g, '').length;
  return digits >= 8 || (run.length >= 16 && digits > 0 && /[A-Z]/.test(run) && /[a-z]/.test(run));
}

/**
 * Base64 of a card number as BCD or text (`R2FzkAEBABA=`, `NDExMTEx...`: few digits of their own), or padded base64 at
 * all (a PIN block, field 55 bytes: a length of 4 characters' groups, or a run with `+` or `/`, so that
 * `maxConnections=` is no such run while `/pin//uaz6niRDR0=` is, sr68m #2): their
 * bytes read (sr67i #4).
 */
function hasDumpBytes(run: string): boolean {
  // A word of capitals alone is a name (a system error's code, `ECONNREFUSED`, `EHOSTUNREACH`), not base64 to read.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(run) || /^[A-Z]+$/.test(run)) return false;
  const bytes = Buffer.from(run, 'base64');
  return (run.endsWith('=') && (run.length % 4 === 0 || /[+/]/.test(run))) || /[0-9]{12}/.test(bytes.toString('hex')) || /[0-9]{12}/.test(bytes.toString('latin1'));
}

/**
 * Text that belongs to no message, from code or a peer this product does not control (a fault of a user's sequence
 * module, an error's text, a host's answer in an error line), as a terminal or a log may show it: {@link maskFreeText}
 * (PAN-shaped digit runs, whole or in groups, as masked PANs; their hex and escaped spellings), then, as stars, every run
 * of 12 or more base64 or hex characters that looks like a byte dump (8 digits or more; 16 characters or more mixing
 * digits, upper and lower case; base64 whose bytes spell 12 digits, as BCD or text; padded base64: a PIN block, field
 * 55), every track 1 cardholder name between its `^` separators (the separators kept) and every hex dump of 8 byte
 * pairs or more written apart (`01 23 45 ...`, `01:23:45:...`). Stricter than {@link maskFreeText}, which a field's
 * value gets (a dump-shaped run there is a field's data, shown by its field's rule): a word or a path with few digits
 * is kept, one with 8 digits or more is not; a path or a JSON pointer is judged part by part (a part with 8 digits or
 * more is hidden only when it is 12 characters or more). The whole text is read: bound it first (it grows linearly).
 */
export function maskUntrustedText(text: string): string {
  return maskFreeText(text)
    .replace(DUMP_RUN, (run) => (looksLikeDump(run) ? '*'.repeat(run.length) : run))
    .replace(TRACK1_NAME_RUN, (_all, name: string) => `^${'*'.repeat(name.length)}`)
    .replace(SPACED_HEX, (hex) => '*'.repeat(hex.length));
}
