/**
 * Why a dialect cannot be loaded, said in the problem of the options that name it (a connector's, an inbound
 * endpoint's, and so a flow's): one home for every package above the codec.
 */

/** The longest reason said (a codec error's text is bounded already; anything else thrown is cut here). */
const MAX_REASON = 1000;

/**
 * The problem text of a `dialect` option whose dialect cannot be loaded (`resolveDialect`, `createCodec` threw `err`):
 * `cannot be loaded: <the codec error's text> (<its code>)`, e.g. `cannot be loaded: the dialect file cannot be read:
 * ENOENT (ISO8583_ERR_DIALECT_UNKNOWN)` or `cannot be loaded: invalid dialect: fields (is required)
 * (ISO8583_ERR_DIALECT_INVALID)`, so that the user is told what to fix, not only that it failed. A dialect holds no
 * card data (field layouts, names, a file path), so its problems may be said; the `field dialect: ` prefix of the
 * codec's text is left out (the option is named already).
 */
export function dialectLoadReason(err: unknown): string {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const name = typeof code === 'string' ? code : 'invalid';
  let text = typeof message === 'string' ? message.replace(/^field dialect: /, '') : '';
  if (text.length > MAX_REASON) text = `${text.slice(0, MAX_REASON)}...`;
  return text === '' ? `cannot be loaded (${name})` : `cannot be loaded: ${text} (${name})`;
}
