/**
 * Every TypeScript code block (```ts) of README.md, docs/*.md and the packages' READMEs type-checks against the built
 * packages, strict, as a user's ESM file would: an export renamed, an option or method that does not exist, a wrong
 * argument type fails here with the document and line. A block may be a fragment that uses names defined elsewhere
 * in its guide (`codec`, `message`, `socket`): only "cannot find name" (of a name no package exports: an export must be
 * imported) and the parameter types of a callback whose receiver is such a name are let pass. The blocks are checked
 * in memory (one program, no file written).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { repoRoot } from '@iso8583/test-support';
import { sampleDocuments } from './helpers/doc-samples.js';

/** One TypeScript block: the document, the line of its opening fence, its code. */
interface TsBlock {
  file: string;
  line: number;
  code: string;
}

/** What a fragment may lack: a name it takes from its guide, and the type of a callback parameter on such a name. */
const FRAGMENT_CODES: ReadonlySet<number> = new Set([2304, 2552, 7006]);

const root = repoRoot();

/**
 * The names the packages export: a fragment that uses one without importing it is a sample a user cannot run (its
 * call would be untyped, so checked for nothing): "cannot find name" is let pass only for other names.
 */
const EXPORTED: ReadonlySet<string> = new Set(
  (await Promise.all(['@iso8583/codec', '@iso8583/connector', '@iso8583/inbound', '@iso8583/metrics'].map(async (name) => Object.keys(await import(name))))).flat(),
);

/** The name a "cannot find name" diagnostic (2304, 2552) is about. */
function missingName(d: ts.Diagnostic): string | undefined {
  return /'([^']+)'/.exec(ts.flattenDiagnosticMessageText(d.messageText, ' '))?.[1];
}

/**
 * The leftmost name of the call a callback parameter at `start` is passed to (`socket` of `socket.on('data', (b) =>
 * ...)`), or undefined when the parameter is not a callback's.
 */
function receiverOfCallback(file: ts.SourceFile, start: number): string | undefined {
  let node: ts.Node | undefined = findNode(file, start);
  while (node !== undefined && !ts.isArrowFunction(node) && !ts.isFunctionExpression(node)) node = node.parent;
  const call = node?.parent;
  if (call === undefined || !ts.isCallExpression(call)) return undefined;
  let callee: ts.Expression = call.expression;
  while (ts.isPropertyAccessExpression(callee) || ts.isCallExpression(callee) || ts.isElementAccessExpression(callee)) callee = callee.expression;
  return ts.isIdentifier(callee) ? callee.text : undefined;
}

/** The innermost node of `file` that contains position `at`. */
function findNode(file: ts.SourceFile, at: number): ts.Node | undefined {
  const visit = (node: ts.Node): ts.Node | undefined => (node.getStart(file) <= at && at < node.getEnd() ? (ts.forEachChild(node, visit) ?? node) : undefined);
  return visit(file);
}

/**
 * Whether diagnostic `d` of a block is one a fragment may have (see {@link FRAGMENT_CODES} and {@link EXPORTED}):
 * a name no package exports, or an untyped parameter of a callback passed to such a name (`missing`: the names the
 * block lacks).
 */
function fragmentOnly(d: ts.Diagnostic, missing: ReadonlySet<string>): boolean {
  if (!FRAGMENT_CODES.has(d.code)) return false;
  if (d.code === 7006) {
    const receiver = d.file === undefined || d.start === undefined ? undefined : receiverOfCallback(d.file, d.start);
    return receiver !== undefined && missing.has(receiver);
  }
  const name = missingName(d);
  return name === undefined || !EXPORTED.has(name);
}

function tsBlocks(): TsBlock[] {
  const blocks: TsBlock[] = [];
  for (const file of sampleDocuments(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```/gm)) {
      blocks.push({ file, line: text.slice(0, m.index).split('\n').length, code: m[1] as string });
    }
  }
  return blocks;
}

/** The diagnostics of `sources` (virtual files under the repository root, keyed by path), as `where: message` lines. */
function typeCheck(sources: ReadonlyMap<string, { block: TsBlock; text: string }>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2023.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    esModuleInterop: true,
    isolatedModules: true,
  };
  const host = ts.createCompilerHost(options);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (name) => sources.has(name) || fileExists(name);
  host.readFile = (name) => sources.get(name)?.text ?? readFile(name);
  host.getSourceFile = (name, language, onError, create) => {
    const source = sources.get(name);
    return source === undefined ? getSourceFile(name, language, onError, create) : ts.createSourceFile(name, source.text, language, true);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  const lines: string[] = [];
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const missing = new Map<string, Set<string>>();
  for (const d of diagnostics) {
    const name = d.code === 2304 || d.code === 2552 ? missingName(d) : undefined;
    if (d.file !== undefined && name !== undefined) missing.set(d.file.fileName, (missing.get(d.file.fileName) ?? new Set()).add(name));
  }
  for (const d of diagnostics) {
    const source = d.file === undefined ? undefined : sources.get(d.file.fileName);
    if (source !== undefined && fragmentOnly(d, missing.get(d.file?.fileName ?? '') ?? new Set())) continue;
    const at = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
    // Line 0 of a virtual file is the `export {};` that makes it a module; line 1 is the line after the fence.
    const where = source === undefined ? (d.file?.fileName ?? 'the program') : `${source.block.file}:${source.block.line + at}`;
    lines.push(`${where}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }
  return lines;
}

/** The blocks as virtual files of one program (`export {};` first: a block without an import is a module too). */
function virtualFiles(blocks: readonly TsBlock[]): Map<string, { block: TsBlock; text: string }> {
  return new Map(blocks.map((block, i) => [join(root, '.doc-ts-samples', `sample-${i}.ts`), { block, text: `export {};\n${block.code}` }]));
}

test('the TypeScript blocks of the documents type-check against the packages (fragments may lack names only)', () => {
  const blocks = tsBlocks();
  assert.ok(blocks.length >= 20, `${blocks.length} blocks`);
  assert.ok(blocks.some((b) => b.file === 'README.md'), 'the README\'s createConnector sample is among them');
  // The same check on a block that uses an export that does not exist and an option of the wrong type fails, naming
  // the document line: the test can fail.
  const broken: TsBlock = {
    file: 'docs/broken.md',
    line: 10,
    code: "import { createCodec, noSuchExport } from '@iso8583/codec';\ncreateCodec('iso87ascii').pack(42);\nconst bank = createConnector({ host: 'h', port: 1 });\nconst untyped = (m) => m;\nsocket.on('data', (b) => b);\n",
  };
  const found = typeCheck(virtualFiles([...blocks, broken]));
  const [ofBroken, ofDocs] = [found.filter((l) => l.startsWith('docs/broken.md:')), found.filter((l) => !l.startsWith('docs/broken.md:'))];
  assert.deepEqual(ofDocs, []);
  assert.ok(ofBroken.some((l) => l.startsWith('docs/broken.md:11: TS2305')), ofBroken.join('\n'));
  assert.ok(ofBroken.some((l) => l.startsWith('docs/broken.md:12: ')), ofBroken.join('\n'));
  // An export used without its import is not a fragment's name from its guide.
  assert.ok(ofBroken.some((l) => l.startsWith('docs/broken.md:13: TS2304')), ofBroken.join('\n'));
  // An untyped parameter is let pass only in a callback given to a name the guide defines (`socket` here).
  assert.ok(ofBroken.some((l) => l.startsWith('docs/broken.md:14: TS7006')), ofBroken.join('\n'));
  assert.ok(!ofBroken.some((l) => l.startsWith('docs/broken.md:15: ')), ofBroken.join('\n'));
});
