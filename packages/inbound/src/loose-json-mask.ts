/**
 * A string logged under a field owner that starts like JSON but does not parse as one value (sequence-logger.ts): two
 * JSON lines, JSON then text, a document cut short. Masked as free text only, the PIN block (52) and EMV data (55) of
 * its fields were written in clear: each line that parses is masked as a document, and what does not parse is masked
 * on the safe side, every `"<sensitive field id>":"..."` pair by its field and every hex run of 16 characters or more.
 */
import { maskFreeText, maskValue } from '@iso8583/codec';
import type { Sensitivity } from '@iso8583/codec';

/** A JSON pair `"<key>":"<string>"` whose key may be a field id (digits, dot-separated sub-fields). */
const PAIR = /"(\d{1,3}(?:\.\d{1,3})*)"(\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
/** A run of hex digits long enough to be a PIN block, a cryptogram, EMV data or a card number. */
const HEX_RUN = /[0-9A-Fa-f]{16,}/g;

/**
 * `text` (JSON that does not parse as one value) masked: line by line, a line that parses as JSON as `document` masks
 * it, any other line on the safe side ({@link safeSideMask}).
 */
export function maskedLooseJson(text: string, byId: ReadonlyMap<string, Sensitivity>, document: (parsed: unknown) => string): string {
  return text
    .split('\n')
    .map((line) => {
      const body = line.endsWith('\r') ? line.slice(0, -1) : line;
      const first = /\S/.exec(body)?.[0];
      if (first === '{' || first === '[') {
        try {
          return document(JSON.parse(body)) + line.slice(body.length);
        } catch {
          // Not one value: the safe side below.
        }
      }
      return safeSideMask(line, byId);
    })
    .join('\n');
}

/**
 * Text that may hold fields in JSON form, masked on the safe side: every `"<id>":"<value>"` pair of a sensitive field
 * masked for its field (a value with escapes replaced whole), then free text as the codec masks it (`maskFreeText`:
 * PAN-shaped runs, track data), then every hex run of 16 characters or more starred.
 */
export function safeSideMask(text: string, byId: ReadonlyMap<string, Sensitivity>): string {
  const pairs = text.replace(PAIR, (pair, id: string, colon: string, value: string) => {
    const sensitivity = byId.get(id);
    if (sensitivity === undefined) return pair;
    return `"${id}"${colon}"${value.includes('\\') ? '[Redacted]' : maskValue(value, sensitivity)}"`;
  });
  return freeTextMasked(pairs);
}

/**
 * Free text under a field owner as the safe side reads it: masked as the codec masks free text (`maskFreeText`: PAN-shaped
 * runs, track data), then every hex run of 16 characters or more starred (a PIN block, EMV data, a frame as hex).
 */
export function freeTextMasked(text: string): string {
  return maskFreeText(text).replace(HEX_RUN, (run) => '*'.repeat(run.length));
}
