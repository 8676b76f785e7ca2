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
// The stamp (stamp.json) records the mtime of every package's tsbuildinfo: a later `tsc --build` that changed a package
// makes the bundle stale, and bin/iso8583.js loads dist/src again. Without esbuild (a production install), no bundle.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
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
    // A workspace module keeps its own URL as `import.meta.url`.
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

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await esbuild.build({
  entryPoints: { main: join(cli, 'dist', 'src', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [plugin],
});

const stamp = {};
for (const name of readdirSync(join(root, 'packages'))) {
  const info = join(root, 'packages', name, 'dist', 'tsconfig.tsbuildinfo');
  try {
    stamp[relative(cli, info).split(sep).join('/')] = statSync(info).mtimeMs;
  } catch {
    // A package without a build (none today) is not part of the stamp.
  }
}
writeFileSync(join(outdir, 'stamp.json'), `${JSON.stringify(stamp)}\n`);
