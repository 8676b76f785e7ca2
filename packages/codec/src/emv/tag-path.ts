/**
 * The path of a data object in an error's `field` (`55.70.9F26`): one home for how the EMV readers and writers
 * (buildTlv, emvFromTags, fromXml's `<tag>` elements) join a level to its parent's path.
 */

/** The most digits in a row a path may show, its dots aside: a PAN has 8 or more (ISO/IEC 7812-1:2017). */
const MOST_PATH_DIGITS = 7;

/**
 * `path` and `label` (a tag, or a name made safe) joined with a dot; the data object named by `position` (`55.70.#1`)
 * instead when the digits of `label` would make a run of 8 or more with those at the end of `path`, the dots read as
 * nothing: each level alone shows at most a few digits, but nested levels (`55.47.61.73.90.01.01.00.10`) could spell
 * a card number in the error text.
 */
export function tagPath(path: string, label: string, position: number): string {
  let run = 0;
  for (let i = path.length - 1; i >= 0; i--) {
    const c = path.charCodeAt(i);
    if (c === 0x2e) continue;
    if (c < 0x30 || c > 0x39) break;
    run++;
  }
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i);
    if (c === 0x2e) continue;
    run = c >= 0x30 && c <= 0x39 ? run + 1 : 0;
    if (run > MOST_PATH_DIGITS) return `${path}.#${position}`;
  }
  return `${path}.${label}`;
}
