/**
 * What a message's fields are: its own enumerable string keys, as `Object.keys` and `JSON.stringify` see them. An
 * inherited key (a prototype's, `Object.prototype`'s) or a non-enumerable own key is never a field, on any path of
 * pack or validate, whatever the codec packed before.
 *
 * The fast ways of pack read values by number (which also sees inherited and hidden keys) and take the message's
 * `Object.values` (cheap; `Object.keys` measured about 1,400 instructions dearer a pack, callgrind): V8 lists the
 * integer keys first, ascending, as those ways read them, so the n-th value read must be the n-th of the array, or
 * the message goes a way that enumerates its keys. A message whose prototype is not `Object.prototype` or `null` is
 * packed from a copy of its own keys; so is a positional composite's, and validate reads one.
 * Values are compared, not keys: a hidden or `Object.prototype` key whose value equals the own value in its place is
 * not told apart.
 */
import type { MessageInput } from '../types.js';
import type { Layout } from './compile.js';
import { fieldNumber } from './writer.js';

/**
 * A copy of `msg` with its own enumerable string keys only and no prototype, and the same of the value of each of its
 * composite fields in `layout` (an object that is not an array), so that a read by key sees nothing else.
 */
export function ownFields(layout: Layout, msg: MessageInput): MessageInput {
  const out = Object.create(null) as MessageInput;
  for (const key of Object.keys(msg)) {
    const v = msg[key];
    const num = fieldNumber(key);
    const sub = num < 0 ? undefined : layout.plans[num]?.composite;
    out[key] = sub !== undefined && typeof v === 'object' && v !== null && !Array.isArray(v) ? ownFields(sub as Layout, v) : v;
  }
  return out;
}

/**
 * `Object.values(msg)` when `msg` inherits from `Object.prototype` or nothing (then a value read by number that is not
 * the next of them is a hidden key's or `Object.prototype`'s), or `undefined` for any other prototype.
 */
export function plainValues(msg: MessageInput): unknown[] | undefined {
  const proto: unknown = Object.getPrototypeOf(msg);
  return proto === Object.prototype || proto === null ? Object.values(msg) : undefined;
}
