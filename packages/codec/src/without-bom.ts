/**
 * The byte order mark some editors and clients put at the start of UTF-8 text (Windows editors, some HTTP clients):
 * `JSON.parse` refuses it ("not JSON at 1:1"). The one home of its removal for every package: dialect files, flow and
 * config files, HTTP bodies, logged JSON.
 */

/** `text` without a leading byte order mark (U+FEFF); the text as it is when it has none. */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
