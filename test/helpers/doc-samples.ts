/**
 * Finds the `iso8583 ...` command lines a user would copy: the shell code blocks of README.md, docs/*.md and
 * packages/*\/README.md, and the `Example:` lines of every command's `--help`. A comment before a code block marks how
 * the doc-sample test runs it:
 *
 * - `<!-- doc-sample: check-config -->`: the gateway commands of the block get `--check-config` (they name hosts and
 *   folders of a production box: their flags are parsed and checked, nothing is opened);
 * - `<!-- doc-sample: needs host -->`: a host simulator (one a test file, shared by such blocks) is up first and every
 *   `--port N` of the block is it;
 * - `<!-- doc-sample: skip REASON -->`: not run (the reason is shown in the test title).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One code block of a document, as commands. */
export interface DocBlock {
  /** The document, relative to the repository root, and the line of the opening fence. */
  where: string;
  /** The marks of the `<!-- doc-sample: ... -->` comment before the block (`check-config`, `needs host`, `skip ...`). */
  marks: string[];
  /** The command lines (continuations and `| ...` lines joined, comments removed) that run `iso8583`. */
  commands: DocCommand[];
}

/** One command line of a block. */
export interface DocCommand {
  /** The shell text, `npx iso8583` written `iso8583`, without a trailing `&`. */
  text: string;
  /** It ends with `&`: a server started in the background for the lines after it. */
  background: boolean;
  /** The `# ...` comment lines right after it that are JSON: what the command prints. */
  expected?: unknown;
}

/** The documents whose code blocks are samples. */
export function sampleDocuments(root: string): string[] {
  const docs = readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
  const packages = readdirSync(join(root, 'packages')).map((p) => `packages/${p}/README.md`);
  return ['README.md', ...docs.sort(), ...packages.sort().filter((p) => exists(join(root, p)))];
}

function exists(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The shell code blocks of `text` that run `iso8583`. */
export function docBlocks(text: string, file: string): DocBlock[] {
  const blocks: DocBlock[] = [];
  const fence = /^```(\w*)\n([\s\S]*?)^```/gm;
  for (const m of text.matchAll(fence)) {
    const lang = m[1] as string;
    if (!['sh', 'bash', 'shell', 'console', ''].includes(lang)) continue;
    const commands = commandsOf(m[2] as string);
    if (commands.length === 0) continue;
    const before = text.slice(0, m.index);
    const mark = /<!--\s*doc-sample:\s*([^>]*?)\s*-->\s*$/.exec(before);
    const marks = mark === null ? [] : (mark[1] as string).split(',').map((s) => s.trim());
    blocks.push({ where: `${file}:${before.split('\n').length}`, marks, commands });
  }
  return blocks;
}

/** The `iso8583` command lines of a shell text (also the `Example:` lines of a `--help`). */
export function commandsOf(body: string): DocCommand[] {
  const joined: string[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.trimEnd();
    const previous = joined.length - 1;
    if (previous >= 0 && (joined[previous] as string).endsWith('\\')) {
      joined[previous] = `${(joined[previous] as string).slice(0, -1).trimEnd()} ${line.trim()}`;
    } else if (previous >= 0 && /^\s*\|/.test(line)) {
      joined[previous] = `${joined[previous] as string} ${line.trim()}`;
    } else joined.push(line);
  }
  const commands: DocCommand[] = [];
  for (const line of joined.map(stripComment)) {
    const text = line.trim();
    if (text.startsWith('#')) {
      const last = commands[commands.length - 1];
      const json = text.slice(1).trim();
      if (last !== undefined && json.startsWith('{')) last.expected = JSON.parse(json);
      continue;
    }
    if (!/(^|[|;&]\s*|=\S*\s+)(npx )?iso8583 [a-z]/.test(text)) continue;
    const background = text.endsWith('&');
    commands.push({ text: (background ? text.slice(0, -1).trim() : text).replace(/\bnpx iso8583 /g, 'iso8583 '), background });
  }
  return commands;
}

/** A line without its trailing `  # comment` (a `#` inside quotes is kept). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && i > 0 && /\s/.test(line[i - 1] as string)) return line.slice(0, i).trimEnd();
  }
  return line;
}

/** The `Example:` / `Examples:` lines of a `--help` text. */
export function helpExamples(help: string): DocCommand[] {
  const m = /^Examples?:\n((?: {2}.*\n?)+)/m.exec(help);
  return m === null ? [] : commandsOf((m[1] as string).replace(/^ {2}/gm, ''));
}

/** The `iso8583` subcommand a command line runs (`decode`, `gateway`, ...). */
export function subcommandOf(text: string): string | undefined {
  return /\biso8583 ([a-z][a-z-]*)/.exec(text)?.[1];
}
