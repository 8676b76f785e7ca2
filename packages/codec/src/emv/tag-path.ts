/**
 * The path of a data object in an error's `field` (`55.70.9F26`): one home for how the EMV readers and writers
 * (buildTlv, emvFromTags, fromXml's `<tag>` elements) join a level to its parent's path. The writers make it only
 * when an error needs it ({@link pathUnder}).
 */

/** The most digits in a row a path may show, its dots aside: a PAN has 8 or more (ISO/IEC 7812-1:2017). */
const MOST_PATH_DIGITS = 7;

/** Any decimal digit, in any script (full-width `４` too): what a reader could take for a card number's digit. */
const DIGIT = /^\p{Nd}$/u;
/** A letter (a tag's `F` in `9F26`): it ends a run of digits; anything else (dots, dashes, spaces) does not. */
const LETTER = /^\p{L}$/u;

/**
 * `path` and `label` (a tag, or a name made safe) joined with a dot; the data object named by `position` (`55.70.#1`)
 * instead when the digits of `label` would make a run of 8 or more with those at the end of `path`: each level alone
 * shows at most a few digits, but nested levels (`55.47.61.73.90.01.01.00.10`) could spell a card number in the
 * error text. A digit is any Unicode decimal digit (`\p{Nd}`), and only a letter ends a run: dots, dashes, spaces and
 * other separators are read as nothing, inside a label as between levels (`4111-.1111-` is a run of 8).
 */
export function tagPath(path: string, label: string, position: number): string {
  let run = 0;
  const before = [...path];
  for (let i = before.length - 1; i >= 0; i--) {
    const c = before[i] as string;
    if (DIGIT.test(c)) run++;
    else if (LETTER.test(c)) break;
  }
  for (const c of label) {
    if (DIGIT.test(c)) run++;
    else if (LETTER.test(c)) run = 0;
    if (run > MOST_PATH_DIGITS) return `${path}.#${position}`;
  }
  return `${path}.${label}`;
}

/**
 * A path made only when it is asked for: a build names a data object's place only in an error, so the path of each
 * object (a {@link tagPath} per object, its tag's text) is not made on the way when nothing fails.
 */
export type PathOf = () => string;

/** The path (a {@link PathOf}) of the data object `label()` at `position` under `parent`: {@link tagPath}, when called. */
export function pathUnder(parent: PathOf, label: () => string, position: number): PathOf {
  return () => tagPath(parent(), label(), position);
}
