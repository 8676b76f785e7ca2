/**
 * A copy of anything about to be logged with every string masked by a text mask (the card data of one message: see
 * card-data-mask.ts): object keys and values, array items, error messages, stacks and causes; buffers become
 * uppercase hex (masked). What has `toJSON` is read through it, as a log line would show it. Numbers that spell a
 * value become the masked string.
 */

/** Deep copies stop here (a log record nested deeper is cut, as pino's serialiser would not show it usefully). */
export const MAX_DEPTH = 16;

/**
 * `value` written as `key`, an own enumerable property of `target`, whatever the key: `out[key] = value` with a
 * `__proto__` key (a parsed JSON reply may have one) would set `target`'s prototype instead, and the value would be
 * gone from the copy, and from what reads it as an object of fields.
 */
export function defineValue(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: true });
}

/** `input` copied with `text` applied to every string in it. */
export function maskedCopy(input: unknown, text: (value: string) => string): unknown {
  return copy(input, text, 0, new WeakSet());
}

function copy(input: unknown, text: (value: string) => string, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof input) {
    case 'string':
      return text(input);
    case 'number':
    case 'bigint': {
      const value = String(input);
      const masked = text(value);
      return masked === value ? input : masked;
    }
    case 'object':
      break;
    default:
      return input;
  }
  if (input === null) return input;
  if (seen.has(input)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[...]';
  if (input instanceof Uint8Array) return text(Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('hex').toUpperCase());
  seen.add(input);
  try {
    if (input instanceof Error) return copyError(input, text, depth, seen);
    if (Array.isArray(input)) return input.map((item) => copy(item, text, depth + 1, seen));
    const toJSON = (input as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return copy(toJSON.call(input), text, depth + 1, seen);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input)) defineValue(out, text(key), copy(value, text, depth + 1, seen));
    return out;
  } finally {
    seen.delete(input);
  }
}

/** An error of the same class whose message, stack, cause and own properties are masked. */
function copyError(err: Error, text: (value: string) => string, depth: number, seen: WeakSet<object>): Error {
  const out = Object.create(Object.getPrototypeOf(err) as object) as Error;
  const hidden = (key: string, value: unknown): void => {
    Object.defineProperty(out, key, { value, writable: true, configurable: true, enumerable: false });
  };
  hidden('message', text(err.message));
  if (typeof err.stack === 'string') hidden('stack', text(err.stack));
  if (Object.prototype.hasOwnProperty.call(err, 'name')) hidden('name', text(err.name));
  if ('cause' in err && err.cause !== undefined) hidden('cause', copy(err.cause, text, depth + 1, seen));
  for (const [key, value] of Object.entries(err)) {
    if (key === 'message' || key === 'stack' || key === 'cause') continue;
    defineValue(out, text(key), copy(value, text, depth + 1, seen));
  }
  return out;
}
