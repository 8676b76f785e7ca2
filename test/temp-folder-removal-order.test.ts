/**
 * A test's temporary folder is removed after what writes into it is stopped. node:test runs a test's `after` hooks in
 * the order they were registered (Node 20): `t.after(() => rmSync(dir, …))` registered before `t.after(() =>
 * bank.destroy())` removed the folder while the connector's transaction log still wrote its last batch into it (the
 * fresh-clone CI failed flow-decline-saf-full with ENOTEMPTY). So, in every test file, within one block (a test, a
 * helper, a `describe`), a hook that removes a folder (`rm`, `rmSync`, `rmdir`) is registered after every hook that
 * stops something (`destroy`, `close`, `stop`, `kill`, `end`, `shutdown`), unless it stops before it removes itself
 * (one hook, in order). A folder made by a helper that others' hooks write into is made with `tempFolder`
 * (@iso8583/test-support), whose removal runs after the test's other hooks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '@iso8583/test-support';

const REMOVES = /\brm(?:Sync)?\(|\brmdir(?:Sync)?\(/;
const STOPS = /\.(?:destroy|close|stop|kill|shutdown|end)\(|\b(?:stop|close)\w*\(/;
const SKIPPED = new Set(['node_modules', 'dist', '.git', 'generated']);

/** The `.ts` files under `dir` (installed and built folders left out). */
function tsFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

/** The text of the hook a statement registers (`after(…)`, `afterEach(…)`, `t.after(…)`), else undefined. */
function hookOf(statement: ts.Statement): string | undefined {
  if (!ts.isExpressionStatement(statement)) return undefined;
  let e = statement.expression;
  if (ts.isAwaitExpression(e)) e = e.expression;
  if (!ts.isCallExpression(e)) return undefined;
  const callee = e.expression;
  const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : '';
  return name === 'after' || name === 'afterEach' ? e.arguments.map((a) => a.getText()).join(',') : undefined;
}

/** Each removal hook registered before a stop hook of the same block, as `file:line: …`. */
function misordered(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const lineOf = (node: ts.Node): number => source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isBlock(node) || ts.isSourceFile(node)) {
      let removal: ts.Statement | undefined;
      for (const statement of node.statements) {
        const hook = hookOf(statement);
        if (hook === undefined) continue;
        const removes = hook.search(REMOVES);
        const stops = hook.search(STOPS);
        if (removal !== undefined && stops !== -1) found.push(`${file}:${lineOf(removal)}: a folder's removal registered before the stop at line ${lineOf(statement)}`);
        if (removes !== -1 && (stops === -1 || removes < stops)) removal ??= statement;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test('no test removes its temporary folder before the hook that stops what writes into it', () => {
  const root = repoRoot();
  const files = [...tsFiles(join(root, 'packages')).filter((f) => f.includes('/test/')), ...tsFiles(join(root, 'examples', 'test')), ...tsFiles(join(root, 'test'))];
  assert.ok(files.length > 100, `the scan found the test files (${files.length})`);
  const found = files.flatMap((f) => misordered(relative(root, f), readFileSync(f, 'utf8')));
  assert.deepEqual(found, [], 'register the removal after the stop hooks, or make the folder with tempFolder');
});

test('the scan finds a removal registered before a stop, and passes one after it or stopping first', () => {
  const before = "test('x', (t) => {\n  t.after(() => rmSync(dir, { recursive: true, force: true }));\n  t.after(() => bank.destroy());\n});\n";
  assert.deepEqual(misordered('a.ts', before), ['a.ts:2: a folder\'s removal registered before the stop at line 3']);
  const after = "test('x', (t) => {\n  t.after(() => bank.destroy());\n  t.after(() => rmSync(dir, { recursive: true, force: true }));\n});\n";
  assert.deepEqual(misordered('a.ts', after), []);
  const oneHook = "test('x', (t) => {\n  t.after(async () => { await app.close(); rmSync(dir); });\n  t.after(() => terminal.close());\n});\n";
  assert.deepEqual(misordered('a.ts', oneHook), []);
  const describeLevel = "describe('d', () => {\n  after(() => rm(dir, { recursive: true }));\n  after(() => child.kill());\n});\n";
  assert.equal(misordered('a.ts', describeLevel).length, 1);
});
