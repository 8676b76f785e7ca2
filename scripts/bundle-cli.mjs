// The build's last step: the `iso8583` command's compiled modules and those of the workspace packages it imports
// (@iso8583/*), bundled by esbuild into a few ES modules in packages/cli/dist/bundle/, so that a start reads and links
// a handful of files instead of ~500 (the start's CPU was mostly module loading; Node 20 has no compile cache).
// bin/iso8583.js loads the bundle when its stamp is current and falls back to dist/src otherwise; `run` and a process
// with a preload always load dist/src (a flow's sequence modules import @iso8583/* from dist and must share one copy
// with the command; a preload may patch or watch the packages there: the benchmark's tail-watch, a test's fault).
//
// What stays as it was:
// - npm packages (fastify, pino, pg, prom-client, ajv...) are not bundled: imported from node_modules as before, so
//   native, optional and worker-thread modules (pino's transports) load as they always did;
// - dynamic `import()`s stay lazy (one chunk each, esbuild's code splitting): `decode` loads no Fastify;
// - `import.meta.url` in a bundled module is its own file's URL in dist/src (rewritten below), so the files found
//   next to a module (the package.json, the console's assets, the dialect schema) and `createRequire` resolve as before;
// - the code is the compiled code, concatenated: no `keepNames` (it would wrap every closure a call makes in a
//   defineProperty, a cost on the message paths); a module-level name that two modules share gets a suffix in the
//   bundle (`text2`), which only a stack trace shows (nothing reads a function's or class's `.name`).
// The stamp (stamp.json) records the mtime and size of every package's tsbuildinfo: a later `tsc --build` that changed a
// package makes the bundle stale, and bin/iso8583.js loads dist/src again. Without esbuild (a production install), or
// when its build fails (its platform binary missing), no stamp: the command runs from dist/src and the install goes on.
//
// A rebuild while a command runs from the bundle (a gateway) must not take its files away: main.js imports its chunks
// (content-hashed names) lazily, some only on a failure (the error text of a failed stop). So nothing is removed: the
// new chunks are written beside the old ones, then main.js and stamp.json last, each through a temporary file and a
// rename (a start reads the old whole file or the new one); a chunk the new main.js does not reference is removed only
// once it is a day old (no process runs that long from a bundle a rebuild replaced, in the tests or a developer's day).
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'packages', 'cli');
const outdir = join(cli, 'dist', 'bundle');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.log('bundle-cli: esbuild is not installed; iso8583 runs from dist/src');
  process.exit(0);
}

/** The workspace packages' compiled sources (bundled); anything else under node_modules stays external. */
const workspace = join(root, 'packages') + sep;

const plugin = {
  name: 'iso8583-workspace',
  setup(build) {
    // A bare specifier that is not @iso8583/* is an npm package: imported at run time, as the compiled code did.
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@iso8583/') || args.path.startsWith('node:')) return undefined;
      return { path: args.path, external: true };
    });
    // A workspace module keeps its own URL as `import.meta.url`: every literal `import.meta.url` text in it is rewritten,
    // in a string or a comment as well as in code (none of the workspace's strings holds it today).
    build.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(workspace)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta')) return { contents: text, loader: 'js' };
      const own = relative(outdir, args.path).split(sep).join('/');
      const rewritten = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`);
      if (/import\.meta(?!\.url)/.test(rewritten.replaceAll('import.meta.url', ''))) {
        throw new Error(`${args.path}: import.meta other than import.meta.url cannot be bundled`);
      }
      return { contents: rewritten, loader: 'js' };
    });
  },
};

/** Writes `contents` to `path` whole: a temporary file beside it, renamed over it. */
function replaceFile(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** A chunk the new build does not reference is removed once it is this old (ms): a running command may still load it. */
const PRUNE_AGE_MS = 24 * 60 * 60 * 1000;

mkdirSync(outdir, { recursive: true });
let result;
try {
  result = await esbuild.build({
    entryPoints: { main: join(cli, 'dist', 'src', 'main.js') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    legalComments: 'none',
    logLevel: 'silent',
    write: false,
    plugins: [plugin],
  });
} catch (err) {
  // esbuild imported but could not build (its platform's binary missing, or a module it cannot bundle): no stamp, so
  // the command runs from dist/src, and the build (or `npm install`) goes on.
  rmSync(join(outdir, 'stamp.json'), { force: true });
  const message = (err && err.message ? err.message : String(err)).split('\n')[0];
  console.log(`bundle-cli: esbuild failed (${message}); iso8583 runs from dist/src`);
  process.exit(0);
}

const main = join(outdir, 'main.js');
const written = new Set(['stamp.json']);
for (const file of result.outputFiles) {
  written.add(relative(outdir, file.path).split(sep).join('/'));
  if (file.path !== main) replaceFile(file.path, file.contents);
}
const stamp = {};
for (const name of readdirSync(join(root, 'packages'))) {
  const info = join(root, 'packages', name, 'dist', 'tsconfig.tsbuildinfo');
  try {
    const { mtimeMs, size } = statSync(info);
    stamp[relative(cli, info).split(sep).join('/')] = { mtimeMs, size };
  } catch {
    // A package without a build (none today) is not part of the stamp.
  }
}
replaceFile(main, result.outputFiles.find((file) => file.path === main).contents);
replaceFile(join(outdir, 'stamp.json'), `${JSON.stringify(stamp)}\n`);

const now = Date.now();
for (const name of readdirSync(outdir)) {
  if (written.has(name)) continue;
  const path = join(outdir, name);
  try {
    if (now - statSync(path).mtimeMs > PRUNE_AGE_MS) rmSync(path, { force: true });
  } catch {
    // Gone already (another build pruned it).
  }
}
