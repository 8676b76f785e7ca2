// The order scripts/test.mjs hands the test files to `node --test`, which starts them in that order, a few at a time
// (--test-concurrency). In path order a long file can start last and run alone at the end while the other workers sit
// idle; started first, its time overlaps the many short files. So the known-slow files go first, slowest first (the
// longest-first rule for spreading jobs over a few workers), then every other file in path order.
//
// The list is short on purpose: only files far above the median (under a second). The seconds are one whole run's
// (node scripts/test.mjs, 2 cores) and only rank the files; a file missing here runs in path order, which is still
// correct, just maybe later than ideal. Keep it in step when a slow file is renamed (a whole run names the entries that match no file).

/** Compiled test files (relative to the repository) that take far longer than most, slowest first: [file, why]. */
export const SLOW_FIRST = [
  ['test/dist/gateway-pg-store.test.js', '~23 s: gateway processes on one PostgreSQL, lease take-overs, a database outage'],
  ['test/dist/console-tabs.test.js', '~26 s: chromium, eight tabs, a proxy\'s 502 and the stream\'s retry'],
  ['test/dist/console.test.js', '~18 s: chromium, two gateways, POS load until the figures move'],
  ['test/dist/message-traces.test.js', '~12 s: gateway processes for each trace'],
  ['packages/connector/dist/test/pg-saf-frozen-stop.test.js', '~12 s: a frozen PostgreSQL server and the close deadline'],
  ['test/dist/doc-samples.test.js', '~10 s: every sample of the docs run as a child process'],
  ['packages/cli/dist/test/pipeline-cap.test.js', '~10 s: floods of pipelined HTTP requests to the gateway binary'],
  ['packages/connector/dist/test/pg-transaction-log-close.test.js', '~10 s: PostgreSQL, closes with the database away'],
  ['test/dist/console-send-once.test.js', '~9 s: chromium and the gateway binary'],
  ['packages/cli/dist/test/held-deadline.test.js', '~9 s: deadlines of held requests in the gateway binary'],
  ['packages/connector/dist/test/saf-done-fault.test.js', '~8 s: SAF outcomes under store faults'],
  ['test/dist/gateway-upstream-tls.test.js', '~8 s: TLS upstreams of the gateway binary'],
  ['packages/connector/dist/test/pg-transaction-log-twice.test.js', '~8 s: PostgreSQL, two transaction logs'],
];

/** `files` (compiled test files, relative paths) in the order to run them: SLOW_FIRST's, then the rest in path order. */
export function scheduled(files) {
  const rank = new Map(SLOW_FIRST.map(([file], i) => [file, i]));
  const slow = files.filter((f) => rank.has(f)).sort((a, b) => rank.get(a) - rank.get(b));
  return [...slow, ...files.filter((f) => !rank.has(f))];
}

/** The SLOW_FIRST entries that name none of `files` (renamed or removed: fix the list). */
export function unmatched(files) {
  const present = new Set(files);
  return SLOW_FIRST.map(([file]) => file).filter((f) => !present.has(f));
}
