/**
 * Hex text as bytes: the one reading shared by the commands (`decode`, `--header-hex`) and the console's workbench.
 * White space anywhere and a leading `0x` (either case) are allowed; a problem is told with the position of the first
 * bad character in the text as given (counting from 1, white space and `0x` included: where an editor finds it).
 */

/** The outcome of {@link readHex}: the bytes, or what is wrong (never the text itself). */
export type HexRead = { readonly bytes: Buffer } | { readonly problem: string };

/**
 * Reads hex text as bytes. The problem, if any, is `not a hex digit at position N` or `odd number of hex digits (N)`,
 * for the caller to put under its own error code and name.
 */
export function readHex(text: string): HexRead {
  const lead = /^\s*0x/i.exec(text)?.[0].length ?? 0;
  const bad = text.slice(lead).search(/[^0-9a-fA-F\s]/);
  if (bad >= 0) return { problem: `not a hex digit at position ${lead + bad + 1}` };
  const clean = text.slice(lead).replace(/\s+/g, '');
  if (clean.length % 2 !== 0) return { problem: `odd number of hex digits (${clean.length})` };
  return { bytes: Buffer.from(clean, 'hex') };
}
