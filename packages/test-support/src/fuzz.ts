import fc from 'fast-check';

/**
 * The fast-check parameters of one property or fuzz test, the same for every package, from the environment:
 *
 * - `ISO8583_FUZZ_RUNS`: the runs of each property. Unset (`npm test`), each test's own bounded `defaultRuns`; set
 *   (`npm run fuzz` sets 200000), that many divided by `share` (a test whose cases are heavy runs a share of them).
 * - `ISO8583_FUZZ_SEED` (and optionally `ISO8583_FUZZ_PATH`): replay a failure. Unset, fast-check draws a new seed.
 *
 * On failure the error names the seed and path with the command that replays it, e.g.
 * `ISO8583_FUZZ_SEED=-1025255566 ISO8583_FUZZ_PATH=3:1 node --test --test-name-pattern "<test>" <file>.test.js`.
 */
export function propertyRuns<Ts = unknown>(defaultRuns: number, share = 1): fc.Parameters<Ts> {
  const runs = envInteger('ISO8583_FUZZ_RUNS');
  const seed = envInteger('ISO8583_FUZZ_SEED');
  const path = process.env.ISO8583_FUZZ_PATH;
  return {
    numRuns: runs === undefined ? defaultRuns : Math.max(1, Math.floor(runs / share)),
    ...(seed === undefined ? {} : { seed }),
    ...(seed === undefined || path === undefined || path === '' ? {} : { path }),
    reporter: (details) => {
      if (!details.failed) return;
      const replay =
        `replay: ISO8583_FUZZ_SEED=${details.seed} ISO8583_FUZZ_PATH=${details.counterexamplePath ?? ''} ` +
        'node --test --test-name-pattern "<this test>" <its compiled .test.js> (README.md, Development)';
      throw new Error(`${fc.defaultReportMessage(details) ?? 'property failed'}\n${replay}`, {
        cause: details.errorInstance,
      });
    },
  };
}

function envInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^-?[0-9]+$/.test(text)) throw new Error(`${name} must be a whole number, not ${JSON.stringify(text)}`);
  return Number(text);
}
