import type { Dialect } from '../types.js';

/** Each dialect's JSON text, made once (a dialect is data: the same text means the same wire format). */
const texts = new WeakMap<Dialect, string>();
/** Answers already given, by pair. */
const answers = new WeakMap<Dialect, WeakMap<Dialect, boolean>>();

function textOf(dialect: Dialect): string {
  let text = texts.get(dialect);
  if (text === undefined) {
    text = JSON.stringify(dialect);
    texts.set(dialect, text);
  }
  return text;
}

/**
 * True when two dialects describe the same wire format: the same object, or two loads of the same definition (two
 * `getDialect('iso87ascii')`, or one file read twice). A message packed by one is then byte for byte what the other
 * packs, so bytes one has checked may be handed on as they are. The answer for a pair is kept.
 */
export function sameDialect(a: Dialect, b: Dialect): boolean {
  if (a === b) return true;
  let known = answers.get(a);
  if (known === undefined) {
    known = new WeakMap();
    answers.set(a, known);
  }
  let same = known.get(b);
  if (same === undefined) {
    same = textOf(a) === textOf(b);
    known.set(b, same);
  }
  return same;
}

/**
 * Whether a request's wire image in dialect `given` goes out as it came on a link whose codec speaks `link` (the
 * connector's `relay`): only when `given` describes the link's wire format ({@link sameDialect}) and `link` has no
 * message header (which the connector writes itself); otherwise the decoded view is packed again. The one rule the
 * connector sends by, and what a trace of a relay (the `iso8583` command's) tells from.
 */
export function relaysBytes(given: Dialect, link: Dialect): boolean {
  return sameDialect(given, link) && !link.headerLength;
}
