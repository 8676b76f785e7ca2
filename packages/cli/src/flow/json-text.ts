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
  } catch (err) {
    // The parser's text may quote the file; only the position is kept (the end of the text when it ended too soon).
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const offset = at !== null ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : undefined;
    const p = offset === undefined ? undefined : positionAt(text, offset);
    const where = p === undefined ? '' : ` at ${file}:${p.line}:${p.column}`;
    throw flowError('ISO8583_ERR_FLOW_FILE', `flow file ${file} is not valid JSON${where}`, { field: file });
  }
}

/** The problems of the keys given twice (JSON Pointers from `locateValues`): code `duplicate`. */
export function repeatedKeyProblems(repeated: string[]): FieldProblem[] {
  return repeated.map((field) => ({ field, code: 'duplicate', reason: 'the key is given twice in its object (JSON would keep only the last)' }));
}
