/*
 * The work the free-text masks do (digit-runs.ts, hex-runs.ts), counted: each character, run, gap or byte pair they
 * look at adds one step, and a native scan (`indexOf`, `slice`) the characters it may read. Their tests read the count
 * to check that the cost grows linearly with the text, deterministically where a clock on a busy machine is not.
 * Internal: not exported from the package's index.
 */

/** The steps taken since the process started; only ever grows. */
export const maskWork = { steps: 0 };
