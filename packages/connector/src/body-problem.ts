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
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY') reason = 'the body is not valid JSON';
  else if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') reason = 'the body is too large';
  else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') reason = 'the content type is not JSON, XML or text';
  else reason = status === 500 ? 'internal error' : 'the request cannot be read';
  return { status, reason };
}
