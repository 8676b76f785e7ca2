/**
 * What a flow's terminal is told, copied once as the endpoint would pack it (reply-verdict.ts `replySnapshot`,
 * `answerSnapshot`): the book judges that copy and the endpoint writes it, so that what the sequence or onError does
 * with its answer afterwards (a getter that answers differently later, a composite field changed in a later callback)
 * changes neither the terminal's answer nor the verdict on the approvals.
 *
 * A message's fields are its own enumerable string keys (the codec's `ownFields`: an inherited getter, a prototype's,
 * is never packed), each read once. A nested value is copied too: an object (a composite field's sub-fields, field 55's
 * or 127's) by its own enumerable keys, an array element by element, a `Uint8Array`'s bytes; text and numbers are
 * shared (immutable). Cost: one read and one write per field and sub-field, and the bytes of byte values, once per
 * answer (about as much as the descriptor copy it replaces; no copy of text).
 */
import type { MessageInput } from '@iso8583/codec';

/**
 * Nesting copied at most: a composite's sub-fields nest two or three deep; a value deeper is shared as it is (a cycle
 * ends there, and the codec refuses it).
 */
const DEPTH = 8;

/**
 * A copy of the message object `result` with no prototype (as the codec's `ownFields`): its own enumerable string keys,
 * each read once, nested values copied (see the file's comment). `strict`: a getter that throws throws here (onError's
 * answer: onError failing); otherwise the copy's key throws that same error on every read (the endpoint fails the reply
 * as it packs it, a 96 then `onLateResult` with `reply-invalid`; the book reads it as an answer it cannot look at).
 * `undefined` when `result` is not a message object to copy (an array, bytes: the endpoint refuses it as it is) or its
 * keys cannot be listed (a revoked Proxy).
 */
export function toldCopy(result: object, strict: boolean): MessageInput | undefined {
  if (Array.isArray(result) || ArrayBuffer.isView(result)) return undefined;
  try {
    return fieldsCopy(result, DEPTH, strict) as MessageInput;
  } catch (err) {
    if (strict) throw err;
    return undefined;
  }
}

function fieldsCopy(from: object, depth: number, strict: boolean): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(from)) {
    let value: unknown;
    try {
      value = (from as Record<string, unknown>)[key];
    } catch (err) {
      if (strict) throw err;
      Object.defineProperty(out, key, { enumerable: true, configurable: true, get: () => { throw err; } });
      continue;
    }
    out[key] = valueCopy(value, depth, strict);
  }
  return out;
}

function valueCopy(value: unknown, depth: number, strict: boolean): unknown {
  if (value === null || typeof value !== 'object' || depth === 0) return value;
  if (ArrayBuffer.isView(value)) return value instanceof Uint8Array ? (Buffer.isBuffer(value) ? Buffer.from(value) : new Uint8Array(value)) : value;
  if (Array.isArray(value)) return value.map((one: unknown) => valueCopy(one, depth - 1, strict));
  return fieldsCopy(value, depth - 1, strict);
}
