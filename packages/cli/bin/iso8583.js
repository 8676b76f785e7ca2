#!/usr/bin/env node
// The `iso8583` command. The implementation is compiled TypeScript in ../dist (built by `npm install`/`npm run build`).
import { main } from '../dist/src/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`iso8583: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
