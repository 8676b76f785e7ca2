/**
 * Whether `describe()` may list the data objects of EMV data (field 55) by tag, or must hide them all. BER-TLV cannot
 * tell a tag from value bytes: after one wrong length every later "tag" is read from a value (`parseTlv`), and a
 * short `5A` makes the next "tag" two PAN digits (`5A05` + a 16-digit PAN shows as tag `11`). Tags are shown only
 * when nothing says the reading went astray.
 */
import type { TlvItem } from './tlv.js';
import { viewableTlv } from './tags.js';
import { EMV_TAG_NAMES } from './tag-names.js';
import { luhnValid } from '../pan.js';

/**
 * The lengths in bytes EMV gives the primitive tags of {@link EMV_TAG_NAMES} (EMV Book 3 Annex A), as
 * `[least, most]`; templates and tags absent here take any length.
 */
const TAG_LENGTHS: Readonly<Record<string, readonly [number, number]>> = {
  '4F': [5, 16],
  '50': [1, 16],
  '57': [1, 19],
  '5A': [1, 10],
  '5F20': [2, 26],
  '5F24': [3, 3],
  '5F25': [3, 3],
  '5F28': [2, 2],
  '5F2A': [2, 2],
  '5F34': [1, 1],
  // Response Message Template Format 1 as field 55 carries it (GENERATE AC): CID 1 + ATC 2 + AC 8 + IAD up to 32.
  '80': [11, 43],
  '82': [2, 2],
  '84': [5, 16],
  '8A': [2, 2],
  '91': [8, 16],
  '95': [5, 5],
  '9A': [3, 3],
  '9B': [2, 2],
  '9C': [1, 1],
  '9F02': [6, 6],
  '9F03': [6, 6],
  '9F06': [5, 16],
  '9F07': [2, 2],
  '9F08': [2, 2],
  '9F09': [2, 2],
  '9F0D': [5, 5],
  '9F0E': [5, 5],
  '9F0F': [5, 5],
  '9F10': [1, 32],
  '9F12': [1, 16],
  '9F1A': [2, 2],
  '9F1E': [8, 8],
  '9F21': [3, 3],
  '9F26': [8, 8],
  '9F27': [1, 1],
  '9F33': [3, 3],
  '9F34': [3, 3],
  '9F35': [1, 1],
  '9F36': [2, 2],
  '9F37': [4, 4],
  '9F40': [5, 5],
  '9F41': [2, 4],
  '9F53': [1, 1],
};

/**
 * Whether `tag` may be shown: a tag of {@link EMV_TAG_NAMES}, or an unnamed tag of two or more bytes (its first byte
 * ends in `1F`: an `F` nibble, which no PAN digit and no BCD value but its pad makes). A one-byte tag that is not
 * named is refused: it is what digits of a value read as a tag look like.
 */
function knownTag(tag: string): boolean {
  return Object.hasOwn(EMV_TAG_NAMES, tag) || tag.length > 2;
}

/** The fewest digits of the PAN of tag 5A that is listed: a short 5A is what sends the reading astray. */
const MIN_PAN_DIGITS = 12;

/**
 * Whether the value of tag 5A is a PAN: digits only (its `F` padding aside), at least {@link MIN_PAN_DIGITS}, passing
 * the Luhn check. A 5A whose length is too short holds the first digits of the PAN only, which pass it one time in ten.
 */
function panValue(value: string): boolean {
  const digits = value.replace(/F+$/, '');
  return digits.length >= MIN_PAN_DIGITS && /^[0-9]+$/.test(digits) && luhnValid(digits);
}

function plausible(items: readonly TlvItem[]): boolean {
  for (const item of items) {
    if (!knownTag(item.tag)) return false;
    if (item.tag === '5A' && !panValue(item.value)) return false;
    const size = item.value.length / 2;
    const range = Object.hasOwn(TAG_LENGTHS, item.tag) ? TAG_LENGTHS[item.tag] : undefined;
    if (item.children === undefined && range !== undefined && (size < range[0] || size > range[1])) return false;
    if (item.children !== undefined && !plausible(item.children)) return false;
  }
  return true;
}

/**
 * The data objects of `value` (EMV data as hex, either case) when `describe()` may list them by tag, else
 * `undefined`: the data must round-trip (`viewableTlv`: no padding, shortest lengths), every tag be named in
 * {@link EMV_TAG_NAMES} or be two or more bytes long, every named primitive tag have a length EMV allows it
 * ({@link TAG_LENGTHS}), and a 5A hold a whole PAN (Luhn-valid, 12 digits or more). Any doubt hides all of it: a later tag may be value bytes (card data) read as a tag.
 */
export function describableTlv(value: string): TlvItem[] | undefined {
  const items = viewableTlv(value.toUpperCase());
  return items !== undefined && plausible(items) ? items : undefined;
}
