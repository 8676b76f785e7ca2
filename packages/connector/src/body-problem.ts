/**
 * What is wrong with an HTTP request body that Fastify refused before a route ran (not JSON, too large, an unknown
 * content type), read from the error's `code` and `statusCode`, never from the parser's text (which quotes the body,
 * card data included). The connector plugin's routes and the console answer with it alike.
 */

/** The HTTP status and the reason (no body content) of a refused body. */
export interface BodyProblem {
  /** Fastify's 4xx status (400 not JSON, 413 too large, 415 unsupported type), else 500. */
  readonly status: number;
  /** What is wrong, in words (never the body). */
  readonly reason: string;
}

/** The status and reason of an error Fastify raised while reading a body. */
export function bodyProblem(err: unknown): BodyProblem {
  const e = (err ?? {}) as { statusCode?: unknown; code?: unknown };
  const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
  const code = typeof e.code === 'string' ? e.code : undefined;
  let reason: string;
  const forbidden = (err as { forbiddenKey?: unknown } | null)?.forbiddenKey;
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' && (forbidden === '__proto__' || forbidden === 'constructor')) {
    reason = `the body holds the key "${forbidden}", which is refused (it could change the prototype of the objects that read it)`;
  } else if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') reason = 'the body is not valid JSON';
  else if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') reason = 'the body is too large';
  else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') reason = 'the content type is not JSON, XML or text';
  else reason = status === 500 ? 'internal error' : 'the request cannot be read';
  return { status, reason };
}

/** An object key JSON bodies may not hold: `__proto__`, or `constructor` holding `prototype` (Fastify's own rule). */
function forbiddenKey(value: unknown): '__proto__' | 'constructor' | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (key === '__proto__') return key;
    if (key === 'constructor' && inner !== null && typeof inner === 'object' && Object.hasOwn(inner, 'prototype')) return key;
    const deeper = forbiddenKey(inner);
    if (deeper !== undefined) return deeper;
  }
  return undefined;
}

/** The error of a body that is not JSON (`forbiddenKey`: the key that made it refused), read by {@link bodyProblem}. */
function jsonBodyError(empty: boolean, key?: string): Error {
  const err = new Error(empty ? 'empty JSON body' : 'invalid JSON body') as Error & { code: string; statusCode: number; forbiddenKey?: string };
  err.code = empty ? 'FST_ERR_CTP_EMPTY_JSON_BODY' : 'FST_ERR_CTP_INVALID_JSON_BODY';
  err.statusCode = 400;
  if (key !== undefined) err.forbiddenKey = key;
  return err;
}

/**
 * The JSON body parser of the routes (a Fastify content type parser, `parseAs: 'string'`): Fastify's rules (empty or
 * malformed JSON refused; `__proto__`, and `constructor` with `prototype`, refused as prototype poisoning), with the
 * refused key named in the answer ({@link bodyProblem}) instead of "not valid JSON".
 */
export function parseJsonBody(_request: unknown, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text === '') return done(jsonBodyError(true));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return done(jsonBodyError(false));
  }
  // JSON.parse makes `__proto__` an own key (no prototype is changed); it is refused before any route reads it.
  const key = /__proto__|constructor/.test(text) ? forbiddenKey(value) : undefined;
  if (key !== undefined) return done(jsonBodyError(false, key));
  done(null, value);
}
