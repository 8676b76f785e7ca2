/**
 * A flow file's text read as JSON (json-text.ts, shared with the gateway's config file), refused with its place in the
 * file: where the text stops being JSON (line and column, as the schema problems are located), that it is empty, or
 * each key given twice in one object (JSON keeps the last value without a word, so a second `"connectors"` would drop
 * the first), or that it nests deeper than `MAX_JSON_DEPTH` (64) levels. A leading byte order mark is dropped.
 */
import { MAX_JSON_DEPTH, isJsonFault, readJsonText } from '../json-text.js';
import type { JsonText } from '../json-text.js';
import { flowError } from './errors.js';

/** `text` read; throws `ISO8583_ERR_FLOW_FILE` naming `file`, and the line and column where it is not JSON. */
export function parseFlowText(file: string, text: string): JsonText {
  const read = readJsonText(text);
  if (!isJsonFault(read)) return read;
  if (read.empty) {
    throw flowError('ISO8583_ERR_FLOW_FILE', `flow file ${file} is not valid JSON: the file is empty`, { field: file });
  }
  if (read.tooDeep === true) {
    throw flowError('ISO8583_ERR_FLOW_FILE', `flow file ${file} nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels at ${file}:${read.at.line}:${read.at.column}`, { field: file });
  }
  throw flowError('ISO8583_ERR_FLOW_FILE', `flow file ${file} is not valid JSON at ${file}:${read.at.line}:${read.at.column}`, { field: file });
}
