/**
 * Reading the text of a JSON file the command is given (a flow file, the gateway's config file): the one home of what
 * every such read does. A leading UTF-8 byte order mark (Windows editors write one) is dropped; an empty text is said
 * to be empty; text that is not JSON is located by line and column, never quoted (the parser's own text may quote the
 * file); each key given twice in one object is named by its JSON Pointer (JSON keeps the last value without a word, so
 * a second `"port"` would silently replace the first), located as every value is.
 */
import type { FieldProblem } from '@iso8583/codec';
import { locateValues, positionAt } from './flow/locate.js';
import type { Position } from './flow/locate.js';
import { withoutBom } from './read-file.js';

/** A JSON text read: its value, where each value starts (by JSON Pointer), and the pointers of the keys given twice. */
export interface JsonText {
  /** The parsed value (of the last of keys given twice, as `JSON.parse` keeps it). */
  data: unknown;
  /** JSON Pointer -> where its value starts (line and column, 1-based; a byte order mark is no column). */
  positions: Map<string, Position>;
  /** The JSON Pointer of each key given again in its object, once per repeat, in the order of the text. */
  repeated: string[];
}

/** Why a text is not JSON: it is empty (or blank), or it stops being JSON at a line and column. */
export type JsonFault = { empty: true } | { empty: false; at: Position };

/**
 * `text` (a file's, a leading byte order mark allowed) read as JSON, or the {@link JsonFault} that says why it
 * is not JSON. Never throws: each caller words the refusal with its own code and names its own file.
 */
export function readJsonText(text: string): JsonText | JsonFault {
  const body = withoutBom(text);
  if (body.trim() === '') return { empty: true };
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
