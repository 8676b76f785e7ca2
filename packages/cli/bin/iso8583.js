#!/usr/bin/env node
// The `iso8583` command. The implementation is compiled TypeScript in ../dist (built by `npm install`/`npm run build`).
import { readFileSync, statSync } from 'node:fs';

/**
 * The build's bundle of the command (scripts/bundle-cli.mjs: a few files to load instead of ~500, less start CPU) when
 * it is current: every package's tsbuildinfo with the mtime and size its stamp recorded (a later `tsc --build` makes it
 * stale): `run` loads the bundle of dist/bundle-run, whose workspace packages (@iso8583/*) are imported from their dist,
 * the one copy its flow's sequence modules import too; every other command dist/bundle's. dist/src otherwise, and where
 * the packages in dist must be the ones the command runs, or its own files matter:
 * - a process with a preload (`--import`, `--require`, a loader), which may patch or watch them (the gateway
 *   benchmark's tail-watch, a test's injected failure);
 * - `--enable-source-maps`, `--inspect*`, `--watch*` (stack traces, a debugger's breakpoints and a watch on the
 *   compiled files of dist/src keep working);
 * - ISO8583_NO_BUNDLE=1 in the environment (to compare the bundle's start with dist/src's: bench/cli-startup).
 * The options are read on the command line (execArgv) and in NODE_OPTIONS; `--watch` leaves neither in the process it
 * runs, which it marks with WATCH_REPORT_DEPENDENCIES in the environment (the modules it loads are reported to the
 * watcher, and those must be dist/src's).
 */
const bundleMain = process.argv[2] === 'run' ? '../dist/bundle-run/main.js' : '../dist/bundle/main.js';

function bundled() {
  if (process.env.ISO8583_NO_BUNDLE === '1' || process.env.WATCH_REPORT_DEPENDENCIES !== undefined) {
    return false;
  }
  const options = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const distSrc = /^(--import|--require|-r|--loader|--experimental-loader|--enable-source-maps)(=|$)|^--(inspect|watch)/;
  if (options.some((option) => distSrc.test(option))) return false;
  try {
    const stamp = JSON.parse(readFileSync(new URL('../dist/bundle/stamp.json', import.meta.url), 'utf8'));
    const files = Object.entries(stamp);
    // The bundle this command loads is there (a stamp from a build before `run` had its own bundle, dist/bundle-run,
    // would otherwise send `run` to a file that does not exist).
    statSync(new URL(bundleMain, import.meta.url));
    return files.length > 0 && files.every(([file, recorded]) => {
      const { mtimeMs, size } = statSync(new URL(`../${file}`, import.meta.url));
      return mtimeMs === recorded.mtimeMs && size === recorded.size;
    });
  } catch {
    return false;
  }
}

const { main } = await import(bundled() ? bundleMain : '../dist/src/main.js');

// `run` loads a flow's sequence modules, which may hold the event loop (a top-level timer, an open socket): once it has
// its outcome (`--check`, a failed start, or the end of a stop) the process exits when stdout and stderr have taken
// what was written, rather than living on without a word.
const exitsWhenDone = process.argv[2] === 'run';

function done() {
  if (!exitsWhenDone) return;
  let left = 2;
  const drained = () => {
    if (--left === 0) process.exit();
  };
  for (const stream of [process.stdout, process.stderr]) {
    // A closed stream (its reader gone) takes nothing more: its callback gets the error, and the process exits all the same.
    if (stream.destroyed || stream.writableEnded) drained();
    else stream.write('', drained);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
    done();
  },
  (err) => {
    process.stderr.write(`iso8583: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
    done();
  },
);
