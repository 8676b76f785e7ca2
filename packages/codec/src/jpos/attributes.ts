import { codecError } from '../errors.js';

/**
 * Reading the attributes of a packager document's elements, and the errors that name the packager, the field and
 * the class concerned.
 */

/** Throws `ISO8583_ERR_PACKAGER_XML` naming the packager and, where there is one, the field. */
export function xmlError(packager: string, reason: string, field?: string): never {
  const context = field === undefined ? {} : { field };
  throw codecError('ISO8583_ERR_PACKAGER_XML', `packager ${JSON.stringify(packager)}: ${reason}`, context);
}

/** Throws `ISO8583_ERR_PACKAGER_CLASS` naming the packager, the field and the class. */
export function classError(packager: string, field: string, className: string, reason: string): never {
  throw codecError(
    'ISO8583_ERR_PACKAGER_CLASS',
    `packager ${JSON.stringify(packager)}: class ${JSON.stringify(className.trim())} ${reason}`,
    { field },
  );
}

/** An attribute of the DTD's `(true|false)` kind (jPOS validates the DTD): `fallback` when absent. */
export function readBoolean(packager: string, text: string | undefined, what: string, fallback: boolean, field?: string): boolean {
  if (text === undefined) return fallback;
  const value = text.trim().toLowerCase();
  if (value !== 'true' && value !== 'false') xmlError(packager, `attribute ${what} is neither true nor false`, field);
  return value === 'true';
}

/** A non-negative integer attribute, `undefined` when absent. */
export function readInteger(packager: string, text: string | undefined, what: string, field?: string): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (!/^\d{1,7}$/.test(trimmed)) xmlError(packager, `attribute ${what} is not a non-negative integer`, field);
  return Number(trimmed);
}

/**
 * An attribute jPOS reads with `Integer.parseInt` (`maxValidField`), as it reads it: an optional sign then digits, no
 * space, within a Java `int` (-2147483648 to 2147483647); `undefined` when absent. (The XML reading has already
 * trimmed the value, as every attribute's: spaces around it, which jPOS refuses, do not reach here.)
 */
export function readJavaInt(packager: string, text: string | undefined, what: string, field?: string): number | undefined {
  if (text === undefined) return undefined;
  const value = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= -2147483648 && value <= 2147483647)) {
    xmlError(packager, `attribute ${what} is not an int as jPOS's Integer.parseInt reads it (a sign, digits, no space)`, field);
  }
  return value;
}
