#!/usr/bin/env node
// The `iso8583` command. The implementation is compiled TypeScript in ../dist (built by `npm install`/`npm run build`).
import { main } from '../dist/src/main.js';

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
