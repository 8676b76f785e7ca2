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
 * Values copied at most for one answer: far past any message (a few hundred fields and sub-fields, an EMV field's
 * tags). A graph past it (back-references by mistake, each level copied again: fanout^depth) is not copied on: the key
 * that holds it throws, a 96 (the codec refuses such a value anyway), instead of stalling the event loop (sr66c #3).
 */
const VALUES = 10_000;

/** What a copy past {@link VALUES} values throws (the key holding it, or onError failing). */
const TOO_BIG = new Error(`the answer holds more than ${VALUES} values: not a message the endpoint can pack`);

/**
 * A copy of the message object `result` with no prototype (as the codec's `ownFields`): its own enumerable string keys,
 * each read once, nested values copied (see the file's comment). `strict`: a getter that throws throws here (onError's
 * answer: onError failing); otherwise the copy's key throws that same error on every read (the endpoint fails the reply
 * as it packs it, a 96 then `onLateResult` with `reply-invalid`; the book reads it as an answer it cannot look at).
 * `undefined` when `result` is not a message object to copy (an array, bytes: the endpoint refuses it as it is); one
 * whose keys cannot be listed gives a message whose MTI throws (strict: throws).
 */
export function toldCopy(result: object, strict: boolean): MessageInput | undefined {
  if (Array.isArray(result) || ArrayBuffer.isView(result)) return undefined;
  try {
    return fieldsCopy(result, DEPTH, strict, { left: VALUES }) as MessageInput;
  } catch (err) {
    if (strict) throw err;
    // Its keys cannot be listed (a Proxy whose trap throws): a message the endpoint refuses (its MTI throws as it packs
    // it: a 96, `reply-invalid`), never the original, whose traps could answer the book and the pack differently
    // (sr66i #2).
    const refused = Object.create(null) as Record<string, unknown>;
    Object.defineProperty(refused, '0', { enumerable: true, get: () => { throw err; } });
    return refused as MessageInput;
  }
}

/** The values a copy may still make ({@link VALUES} for one answer). */
interface Budget {
  left: number;
}

function fieldsCopy(from: object, depth: number, strict: boolean, budget: Budget): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(from)) {
    // A key whose value cannot be read, or copied (a nested getter or Proxy that throws, a graph past the budget),
    // throws that error on every read of the copy (strict: here): never the original handed on instead, whose getters
    // would then be read again, maybe otherwise (sr66c #2).
    try {
      out[key] = valueCopy((from as Record<string, unknown>)[key], depth, strict, budget);
    } catch (err) {
      // A graph past the budget throws at the message's own key that holds it, not somewhere inside it.
      if (strict || (err === TOO_BIG && depth !== DEPTH)) throw err;
      Object.defineProperty(out, key, { enumerable: true, configurable: true, get: () => { throw err; } });
    }
  }
  return out;
}

function valueCopy(value: unknown, depth: number, strict: boolean, budget: Budget): unknown {
  if ((budget.left -= 1) < 0) throw TOO_BIG;
  if (value === null || typeof value !== 'object' || depth === 0) return value;
  if (ArrayBuffer.isView(value)) return value instanceof Uint8Array ? (Buffer.isBuffer(value) ? Buffer.from(value) : new Uint8Array(value)) : value;
  if (Array.isArray(value)) return value.map((one: unknown) => valueCopy(one, depth - 1, strict, budget));
  return fieldsCopy(value, depth - 1, strict, budget);
}
