/**
 * Which values the simulator may put in the fields it makes up (37 retrieval reference, 38 approval code, 54 a balance
 * inquiry's balance, 4 a partial approval's amount): those its dialect defines and whose value packs there (length,
 * type, encoding). A reply with one that does not pack is answered 96 by the endpoint after the money moved; the
 * field is left out instead, so that every answer the simulator books reaches the client.
 */
import { createCodec } from '@iso8583/codec';
import type { Codec, Dialect } from '@iso8583/codec';
import type { ResponseCodeDialect } from './response-code.js';

/** Whether `value` may go in `field` of an answer. */
export type FieldAcceptor = (field: string, value: string) => boolean;

/**
 * The acceptor of `dialect`'s fields (`undefined` without a dialect: any value, as before one is given). A dialect
 * given by its fields only (not one `createCodec` takes) is checked by the fields it defines.
 */
export function fieldAcceptor(dialect: ResponseCodeDialect | undefined): FieldAcceptor | undefined {
  if (dialect === undefined) return undefined;
  let codec: Codec | undefined;
  try {
    codec = createCodec(dialect as Dialect);
  } catch {
    codec = undefined;
  }
  // A verdict by the value's shape (field, length, kinds of characters: what a field's length, type and encoding
  // decide), so that the codec is asked once per shape, not per answer (a few kinds of values: a few entries).
  const verdicts = new Map<string, boolean>();
  return (field, value) => {
    if (dialect.fields[field] === undefined) return false;
    if (codec === undefined) return true;
    const shape = `${field}|${value.length}|${characterKinds(value)}`;
    let verdict = verdicts.get(shape);
    if (verdict === undefined) {
      // The MTI is any valid one: only the problems of `field` count.
      verdict = codec.validate({ 0: '0210', [field]: value }).every((problem) => problem.field !== field);
      verdicts.set(shape, verdict);
    }
    return verdict;
  };
}

/** The kinds of characters in `value`: 1 digits, 2 letters, 4 anything else, summed. */
function characterKinds(value: string): number {
  return (/\d/.test(value) ? 1 : 0) + (/[A-Za-z]/.test(value) ? 2 : 0) + (/[^0-9A-Za-z]/.test(value) ? 4 : 0);
}
