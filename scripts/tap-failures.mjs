// The failures of a TAP stream (node's test runner), for the end of a run: a CI shows the tail of a long output, and
// the `not ok` of a group that ran early is thousands of lines above it.

/** Lines of one failure's details kept: its message and the top of its stack. */
const DETAIL_LINES = 24;

/**
 * Each `not ok` line of `tap` with the YAML block under it (the error, the expected and actual values, the stack),
 * at most {@link DETAIL_LINES} lines of it; a parent failing only because a test in it failed is its line alone.
 */
export function tapFailures(tap) {
  const lines = tap.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = /^(\s*)not ok \d+/.exec(line);
    if (m === null) continue;
    out.push(line);
    const indent = m[1];
    if (lines[i + 1] !== `${indent}  ---`) continue;
    const block = [];
    let j = i + 2;
    for (; j < lines.length && lines[j] !== `${indent}  ...`; j++) block.push(lines[j]);
    i = j;
    if (block.some((l) => l.trim() === "failureType: 'subtestsFailed'")) continue;
    out.push(...block.slice(0, DETAIL_LINES));
    if (block.length > DETAIL_LINES) out.push(`${indent}  (${block.length - DETAIL_LINES} more lines above, in the group's output)`);
  }
  return out;
}
