// Runs every compiled test file (`dist/**/*.test.js` of the packages, test/, examples/) with node:test.
// Arguments filter by substring of the path: `node scripts/test.mjs packages/connector`. `--times FILE` appends each
// file's wall and CPU milliseconds to FILE (a profile: `node scripts/test-weights.mjs FILE` makes the weights from it).
//
// Starting a process (Node, then the package's modules) costs about 0.7 s of a core: with ~400 files, one process a
// file was a third of the run. So the files are run in groups: a group is a generated module, one process, that
// imports its files one after another, each inside a `describe` named by the file's path. That keeps what a process of
// its own gave a file: its tests run in order, its `before`/`after` hooks stay its own (they attach to its
// `describe`), a failure names it (the `describe`, and the test's `location`), and it has its own 120 s bound. Files of
// one folder share a group (they load the same package); which files, and the groups' order (longest first), is
// scripts/test-groups.mjs; how many groups run at once, scripts/test-pool.mjs. What a file leaves in its process for
// the next (a listener on `process`, a module's state) must be undone by its own hooks, as for any test; a file that
// cannot live with others would be a group of its own (none needs it today).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TEST_ROOTS, compiledFiles } from './compiled-files.mjs';
import { groups } from './test-groups.mjs';
import { runGroups } from './test-pool.mjs';

/** Milliseconds one file's tests may take (what `--test-timeout` gave a file when each had its own process). */
const FILE_TIMEOUT = 120_000;
/** Milliseconds a group's process may take: the parent's bound (each file inside has its own `FILE_TIMEOUT`). */
const GROUP_TIMEOUT = 900_000;
/**
 * Milliseconds a group's process may live after its last test: a process a file left a handle open in (a server, a
 * socket, a timer) would otherwise live on to `GROUP_TIMEOUT`. It fails the group, naming what is still open.
 */
const EXIT_GRACE = 60_000;

const args = process.argv.slice(2);
const timesAt = args.indexOf('--times');
/** `--times FILE`: each file's wall and CPU milliseconds, one JSON line a file, appended to FILE (the run's profile). */
const timesFile = timesAt === -1 ? undefined : args.splice(timesAt, 2)[1];
if (timesAt !== -1 && (timesFile === undefined || timesFile.startsWith('--'))) {
  console.error('--times needs a file: node scripts/test.mjs --times PROFILE [path substrings]');
  process.exit(2);
}
const filter = args;
const files = compiledFiles(TEST_ROOTS, (name) => name.endsWith('.test.js')).filter(
  (f) => filter.length === 0 || filter.some((part) => f.includes(part)),
);
if (files.length === 0) {
  console.error('no test files found: run `npm run build` first');
  process.exit(1);
}

/** The folder a compiled test file belongs to: the `TEST_ROOTS` entry its path starts with. */
function rootOf(file) {
  return TEST_ROOTS.find((root) => file.startsWith(`${root}/`)) ?? '';
}

/** The module that runs `group`'s files in one process, each in a `describe` named by its path. */
function groupModule(group, index) {
  const lines = [
    "import { after, describe } from 'node:test';",
    // Unref'd: it fires only when something else keeps the process alive after the last test.
    `after(() => { setTimeout(() => { console.error(\`test group did not exit ${EXIT_GRACE} ms after its last test: still open: \${process.getActiveResourcesInfo().join(', ')}\`); process.exit(1); }, ${EXIT_GRACE}).unref(); });`,
  ];
  if (timesFile !== undefined) {
    // Its `before` is the file's first hook and its `after` the file's last: the file's wall and CPU (this process's,
    // and that of its children it has waited for), its tests run one file after another in the process.
    lines.push(
      "import { before } from 'node:test';",
      "import { appendFileSync, readFileSync } from 'node:fs';",
      "const children = () => readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').slice(13, 15).reduce((a, b) => a + Number(b) * 10, 0);",
      'const mark = () => { const c = process.cpuUsage(); return { wall: performance.now(), cpu: (c.user + c.system) / 1000, child: children() }; };',
      `const record = (file, m) => { const e = mark(); appendFileSync(${JSON.stringify(resolve(timesFile))}, JSON.stringify({ file, end: Date.now(), ms: Math.round(e.wall - m.wall), cpuMs: Math.round(e.cpu - m.cpu), childMs: e.child - m.child }) + '\\n'); };`,
    );
  }
  lines.push("import { before as beforeFile } from 'node:test';");
  for (const [i, file] of group.entries()) {
    const url = pathToFileURL(resolve(file)).href;
    // The per-user state folder (XDG_STATE_HOME: where a journal goes when the test names none, and what the gateway's
    // and flows' start checks read for journals a configuration leaves behind) is the file's own, never the user's:
    // a journal one file leaves owing must not refuse another file's gateway, nor survive the run. The hook covers the
    // file's hooks and tests; its top-level code (run when the `describe` is built) sees the run's (`runGroups` env).
    const state = `beforeFile(() => { process.env.XDG_STATE_HOME = ${JSON.stringify(join(stateRoot, `${index}-${i}`))}; });`;
    const body =
      timesFile === undefined
        ? `${state} await import(${JSON.stringify(url)});`
        : `${state} let m; before(() => { m = mark(); }); await import(${JSON.stringify(url)}); after(() => record(${JSON.stringify(file)}, m));`;
    lines.push(`describe(${JSON.stringify(file)}, { timeout: ${FILE_TIMEOUT} }, async () => { ${body} });`);
  }
  return `${lines.join('\n')}\n`;
}

// The run's shared files (test-support's PostgreSQL template cluster: initdb once, not once a file), removed after the
// run. Readable by the postgres user, who makes the template when the tests run as root.
const runDir = mkdtempSync(join(tmpdir(), 'iso8583-test-run-'));
chmodSync(runDir, 0o755);
/** Each test file's own per-user state folder is a folder under this one (`groupModule`). */
const stateRoot = join(runDir, 'state');
let result;
try {
  const groupDir = join(runDir, 'groups');
  mkdirSync(groupDir);
  mkdirSync(stateRoot);
  const modules = groups(files, rootOf).map((group, i) => {
    const name = group[0].replace(/\/dist\/(test\/)?/, '/').replace(/\.test\.js$/, '').replace(/[^\w.-]+/g, '_');
    const path = join(groupDir, `${String(i).padStart(3, '0')}-${name}.test.mjs`);
    writeFileSync(path, groupModule(group, i));
    return path;
  });
  const label = (module) => module.slice(groupDir.length + 1).replace(/\.test\.mjs$/, '');
  result = await runGroups(modules, { env: { ...process.env, ISO8583_TEST: '1', ISO8583_TEST_RUN_DIR: runDir, XDG_STATE_HOME: join(stateRoot, 'group') }, timeoutMs: GROUP_TIMEOUT, label });
} finally {
  rmSync(runDir, { recursive: true, force: true });
}
process.exit(result ?? 1);
