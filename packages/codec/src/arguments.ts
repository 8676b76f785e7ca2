/**
 * The checks of a public function's arguments, so that a wrong one (`null`, a string for bytes) is refused with a
 * coded error naming it (`ISO8583_ERR_OPTION`) instead of a `TypeError` from deep inside.
 */
import { codecError } from './errors.js';

/** `options` itself, or `{}` when it is `undefined`; throws when it is anything but an object. */
export function optionsArgument<T extends object>(options: T | undefined, name = 'options'): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw codecError('ISO8583_ERR_OPTION', `${name} must be an object`, { field: name });
  }
  return options;
}

/** Throws unless `value` is a string. */
export function textArgument(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string') throw codecError('ISO8583_ERR_OPTION', `must be text, not ${kind(value)}`, { field: name });
}

/** Throws unless `value` is bytes (a `Buffer` or another `Uint8Array`). */
export function bytesArgument(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw codecError('ISO8583_ERR_OPTION', `must be bytes (a Buffer), not ${kind(value)}`, { field: name });
}

/**
 * Throws unless `value` is a count of things to take: a whole number of 0 or more, or `Infinity` (all). NaN, a
 * fraction or a negative number would otherwise compare as "all" or as some other count than the caller meant.
 */
export function countArgument(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw codecError('ISO8583_ERR_OPTION', `must be a whole number or Infinity, not ${kind(value)}`, { field: name });
  if (!(Number.isInteger(value) || value === Infinity) || value < 0) {
    throw codecError('ISO8583_ERR_OPTION', `must be a whole number of 0 or more, or Infinity (got ${String(value)})`, { field: name });
  }
}

/**
 * Throws unless `value` is a message: an object keyed by field number. Bytes (a `Buffer`, another typed array) are
 * refused too: a wire image given where its decoded message belongs would be read byte by byte, each byte a "field".
 */
export function messageArgument(value: unknown, name = 'message'): asserts value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw codecError('ISO8583_ERR_OPTION', 'the message must be an object keyed by field number', { field: name });
  }
}

/** What a wrong argument is, for the error text (never its value). */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
