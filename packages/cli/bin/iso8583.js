#!/usr/bin/env node
// The `iso8583` command. The implementation is compiled TypeScript in ../dist (built by `npm install`/`npm run build`).
import { readFileSync, statSync } from 'node:fs';

/**
 * The build's bundle of the command (scripts/bundle-cli.mjs: a few files to load instead of ~500, less start CPU) when
 * it is current: every package's tsbuildinfo as its stamp recorded it (a later `tsc --build` makes it stale). dist/src
 * otherwise, and where the packages in dist must be the ones the command runs: `run` (its flow's sequence modules
 * import @iso8583/* from dist) and a process with a preload (`--import`, `--require`, a loader; on the command line or
 * in NODE_OPTIONS), which may patch or watch them (the gateway benchmark's tail-watch, a test's injected failure).
 */
function bundled() {
  if (process.argv[2] === 'run') return false;
  const options = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (options.some((option) => /^(--import|--require|-r|--loader|--experimental-loader)(=|$)/.test(option))) return false;
  try {
    const stamp = JSON.parse(readFileSync(new URL('../dist/bundle/stamp.json', import.meta.url), 'utf8'));
    const files = Object.entries(stamp);
    return files.length > 0 && files.every(([file, mtime]) => statSync(new URL(`../${file}`, import.meta.url)).mtimeMs === mtime);
  } catch {
    return false;
  }
}

const { main } = await import(bundled() ? '../dist/bundle/main.js' : '../dist/src/main.js');

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
