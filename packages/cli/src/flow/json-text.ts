/**
 * A flow file's text read as JSON, refused with its place in the file: where the text stops being JSON (line and
 * column, as the schema problems are located), that it is empty, or each key given twice in one object (JSON keeps
 * the last value without a word, so a second `"connectors"` would drop the first).
 */
import type { FieldProblem } from '@iso8583/codec';
import { flowError } from './errors.js';
import { positionAt } from './locate.js';

/** `text` parsed; throws `ISO8583_ERR_FLOW_FILE` naming `file`, and the line and column where it is not JSON. */
export function parseFlowText(file: string, text: string): unknown {
  if (text.trim() === '') {
    throw flowError('ISO8583_ERR_FLOW_FILE', `flow file ${file} is not valid JSON: the file is empty`, { field: file });
  }
  try {
    return JSON.parse(text);
  } catch {
    // The parser's text may quote the file, and names no position for some faults (an unexpected token): the place
    // is found by a scan of the grammar instead, and only it is shown.
    const p = positionAt(text, syntaxErrorAt(text));
    throw flowError('ISO8583_ERR_FLOW_FILE', `flow file ${file} is not valid JSON at ${file}:${p.line}:${p.column}`, { field: file });
  }
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
