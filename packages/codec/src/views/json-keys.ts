/**
 * Keys given twice in one object of a JSON text. `JSON.parse` keeps the last of them without a word, so a message
 * with `"4":"000000000100","4":"000000099999"` would be sent with the second amount: the JSON reader names them
 * instead (as the XML reader names a field given twice). One linear pass over text that already parsed.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/**
 * Each key of `text` (valid JSON) given again in the same object, as its path of keys from the top (`["4"]`,
 * `["48", "1"]`): one entry per repeat, in the order of the text. Keys under an array are named by the array's key.
 */
export function repeatedKeys(text: string): string[][] {
  const found: string[][] = [];
  // One entry per open object (its keys so far) or array (undefined), and the key each one sits under.
  const open: (Set<string> | undefined)[] = [];
  const under: string[] = [];
  let expectKey = false;
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      // The closing quote: the next one not escaped (after an even run of backslashes), found by the native search.
      for (i = text.indexOf('"', i + 1); i > 0; i = text.indexOf('"', i + 1)) {
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      if (i < 0) break;
      if (!expectKey) continue;
      expectKey = false;
      const raw = text.slice(start + 1, i);
      // A key with an escape (`"\u0034"` is `"4"`) is compared as JSON.parse reads it.
      lastKey = raw.includes('\\') ? (JSON.parse(text.slice(start, i + 1)) as string) : raw;
      const keys = open[open.length - 1];
      if (keys === undefined) continue;
      if (keys.has(lastKey)) found.push([...under.slice(1), lastKey]);
      else keys.add(lastKey);
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      under.push(lastKey);
      open.push(c === OPEN_OBJECT ? new Set() : undefined);
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      open.pop();
      lastKey = under.pop() ?? '';
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = open[open.length - 1] !== undefined;
    }
  }
  return found;
}
