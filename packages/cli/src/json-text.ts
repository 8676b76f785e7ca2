/**
 * Reading the text of a JSON file the command is given (a flow file, the gateway's config file): the one home of what
 * every such read does. A leading UTF-8 byte order mark (Windows editors write one) is dropped; an empty text is said
 * to be empty; text that is not JSON is located by line and column, never quoted (the parser's own text may quote the
 * file); each key given twice in one object is named by its JSON Pointer (JSON keeps the last value without a word, so
 * a second `"port"` would silently replace the first), located as every value is. A text nested deeper than
 * {@link MAX_JSON_DEPTH} objects and arrays is refused at the bracket that goes past it (what reads the value walks it
 * by recursion: a few kilobytes of brackets would otherwise exhaust the stack).
 */
import type { FieldProblem } from '@iso8583/codec';
import { locateValues, positionAt } from './flow/locate.js';
import type { Position } from './flow/locate.js';
import { withoutBom } from '@iso8583/codec';

/** A JSON text read: its value, where each value starts (by JSON Pointer), and the pointers of the keys given twice. */
export interface JsonText {
  /** The parsed value (of the last of keys given twice, as `JSON.parse` keeps it). */
  data: unknown;
  /** JSON Pointer -> where its value starts (line and column, 1-based; a byte order mark is no column). */
  positions: Map<string, Position>;
  /** The JSON Pointer of each key given again in its object, once per repeat, in the order of the text. */
  repeated: string[];
}

/**
 * How deep objects and arrays may nest in a JSON file the command reads (a flow file, the gateway's config file):
 * 64. A real file nests a few levels (a dialect given inline, about eight).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Why a text is not read: it is empty (or blank), or it stops being JSON at a line and column, or (`tooDeep`) it nests
 * deeper than {@link MAX_JSON_DEPTH} at that line and column (the bracket that goes past it).
 */
export type JsonFault = { empty: true } | { empty: false; at: Position; tooDeep?: true };

/**
 * `text` (a file's, a leading byte order mark allowed) read as JSON, or the {@link JsonFault} that says why it
 * is not JSON. Never throws: each caller words the refusal with its own code and names its own file.
 */
export function readJsonText(text: string): JsonText | JsonFault {
  const body = withoutBom(text);
  if (body.trim() === '') return { empty: true };
  const deep = nestedPast(body, MAX_JSON_DEPTH);
  if (deep !== undefined) return { empty: false, at: positionAt(body, deep), tooDeep: true };
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch {
    // The parser names no position for some faults (an unexpected token): the place is found by a scan of the grammar.
    return { empty: false, at: positionAt(body, syntaxErrorAt(body)) };
  }
  const repeated: string[] = [];
  const positions = locateValues(body, repeated);
  return { data, positions, repeated };
}

/** Whether {@link readJsonText} found the text not JSON. */
export function isJsonFault(read: JsonText | JsonFault): read is JsonFault {
  return 'empty' in read;
}

/**
 * The offset of the first `{` or `[` (outside strings) that opens a level past `limit`, or `undefined`: one pass, no
 * recursion. Text that is not JSON is scanned as it comes (the parser then says where it fails, if nothing nests too
 * deep first).
 */
function nestedPast(text: string, limit: number): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skipped to its closing quote (an escaped character is skipped with its backslash).
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return i;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = /\\(?:["\\/bfnrt]|u[0-9A-Fa-f]{4})/y;

/** Thrown by {@link syntaxErrorAt}'s scan: where the text stops being JSON. */
class Fault {
  constructor(readonly at: number) {}
}

/**
 * The offset of the first character where `text` stops being JSON (RFC 8259; the end of the text when it ends too
 * soon), or the length of the text when it is JSON. Only for text `JSON.parse` refused: not a fast path.
 */
export function syntaxErrorAt(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new Fault(Math.min(i, text.length));
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const expect = (c: string): void => {
    if (text[i] !== c) fail();
    i++;
  };
  const string = (): void => {
    expect('"');
    while (text[i] !== '"') {
      if (i >= text.length || text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        ESCAPE.lastIndex = i;
        if (!ESCAPE.test(text)) fail();
        i = ESCAPE.lastIndex;
      } else i++;
    }
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          string();
          ws();
          expect(':');
        }
        value();
        ws();
        if (text[i] === close) {
          i++;
          return;
        }
        expect(',');
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.test(text)) fail();
    i = NUMBER.lastIndex;
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return text.length;
  } catch (err) {
    // Anything else (a file nested too deep for the stack): where the scan was.
    return err instanceof Fault ? err.at : Math.min(i, text.length);
  }
}

/** The problems of the keys given twice (JSON Pointers from `locateValues`): code `duplicate`. */
export function repeatedKeyProblems(repeated: string[]): FieldProblem[] {
  return repeated.map((field) => ({ field, code: 'duplicate', reason: 'the key is given twice in its object (JSON would keep only the last)' }));
}
