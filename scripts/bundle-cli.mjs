// The build's last step: the `iso8583` command's compiled modules and those of the workspace packages it imports
// (@iso8583/*), bundled by esbuild into a few ES modules in packages/cli/dist/bundle/, so that a start reads and links
// a handful of files instead of ~500 (the start's CPU was mostly module loading; Node 20 has no compile cache).
// bin/iso8583.js loads the bundle when its stamp is current and falls back to dist/src otherwise; a process with a
// preload always loads dist/src (a preload may patch or watch the packages there: the benchmark's tail-watch, a test's
// fault). `run` loads a second bundle, packages/cli/dist/bundle-run/: the command's own modules bundled, the workspace
// packages (@iso8583/codec, connector, inbound, metrics) left external, imported from their dist at run time: a flow's
// sequence modules import those too, and must share ONE copy with the command (an `instanceof EncodedReply`, a
// registered sequence). A sequence that imports @iso8583/cli itself gets dist/src's copy of it (nothing there is
// shared with a sequence: the flow's API is in the packages).
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
// The stamp (dist/bundle/stamp.json, for both bundles) records the mtime and size of every package's tsbuildinfo: a later `tsc --build` that changed a
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
/** The `run` bundle's folder: the command's own modules, the workspace packages imported from their dist. */
const runOutdir = join(cli, 'dist', 'bundle-run');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // No stamp, so no bundle an earlier build left is taken for current.
  rmSync(join(cli, 'dist', 'bundle', 'stamp.json'), { force: true });
  console.log('bundle-cli: esbuild is not installed; iso8583 runs from dist/src');
  process.exit(0);
}

/** The workspace packages' compiled sources (bundled); anything else under node_modules stays external. */
const workspace = join(root, 'packages') + sep;

/**
 * The plugin of a build into `outdir`: npm packages stay external; the workspace packages (@iso8583/*) are bundled, or
 * stay external too when `workspaceExternal` (the `run` bundle: imported from their dist at run time, the one copy a
 * flow's sequence modules import as well).
 */
function workspacePlugin(outdir, workspaceExternal) {
  return {
    name: 'iso8583-workspace',
    setup(build) {
      // A bare specifier that is not @iso8583/* is an npm package: imported at run time, as the compiled code did.
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:')) return undefined;
        if (args.path.startsWith('@iso8583/') && !workspaceExternal) return undefined;
        return { path: args.path, external: true };
      });
      // A workspace module keeps its own URL as `import.meta.url`: every literal `import.meta.url` text in it is
      // rewritten, in a string or a comment as well as in code (none of the workspace's strings holds it today).
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
}

/** Writes `contents` to `path` whole: a temporary file beside it, renamed over it. */
function replaceFile(path, contents) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** A chunk the new build does not reference is removed once it is this old (ms): a running command may still load it. */
const PRUNE_AGE_MS = 24 * 60 * 60 * 1000;

/** The two bundles: `main` for every command but `run`, `run` (the workspace packages external) for `run`. */
const bundles = [
  { outdir, workspaceExternal: false },
  { outdir: runOutdir, workspaceExternal: true },
];
// The packages' builds as they are before esbuild reads dist/src: a `tsc --build` that ends while the bundles are made
// leaves a stamp older than it (the next start runs from dist/src) rather than new figures beside old code.
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
const results = [];
try {
  for (const bundle of bundles) {
    mkdirSync(bundle.outdir, { recursive: true });
    const result = await esbuild.build({
      entryPoints: { main: join(cli, 'dist', 'src', 'main.js') },
      outdir: bundle.outdir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      legalComments: 'none',
      logLevel: 'silent',
      write: false,
      plugins: [workspacePlugin(bundle.outdir, bundle.workspaceExternal)],
    });
    results.push({ ...bundle, result });
  }
} catch (err) {
  // esbuild imported but could not build (its platform's binary missing, or a module it cannot bundle): no stamp, so
  // the command runs from dist/src, and the build (or `npm install`) goes on.
  rmSync(join(outdir, 'stamp.json'), { force: true });
  const message = (err && err.message ? err.message : String(err)).split('\n')[0];
  console.log(`bundle-cli: esbuild failed (${message}); iso8583 runs from dist/src`);
  process.exit(0);
}

// Every chunk of both bundles first, then each main.js, then the stamp (which makes both current) last.
for (const bundle of results) {
  bundle.main = join(bundle.outdir, 'main.js');
  bundle.written = new Set(bundle.outdir === outdir ? ['stamp.json'] : []);
  for (const file of bundle.result.outputFiles) {
    bundle.written.add(relative(bundle.outdir, file.path).split(sep).join('/'));
    if (file.path !== bundle.main) replaceFile(file.path, file.contents);
  }
}
for (const bundle of results) replaceFile(bundle.main, bundle.result.outputFiles.find((file) => file.path === bundle.main).contents);
replaceFile(join(outdir, 'stamp.json'), `${JSON.stringify(stamp)}\n`);

const now = Date.now();
for (const bundle of results) {
  for (const name of readdirSync(bundle.outdir)) {
    if (bundle.written.has(name)) continue;
    const path = join(bundle.outdir, name);
    try {
      if (now - statSync(path).mtimeMs > PRUNE_AGE_MS) rmSync(path, { force: true });
    } catch {
      // Gone already (another build pruned it).
    }
  }
}
