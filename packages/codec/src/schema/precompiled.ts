/**
 * Schema checks generated at build time: ajv's standalone code for one of the toolkit's own schemas, written to a
 * package's `src/generated/` by `scripts/schema-validators.mjs` (standalone.ts) and taken at run time in place of a
 * compile. A start then loads no ajv and compiles nothing (the connector's and the inbound endpoint's options, a flow
 * file, the gateway's flags and config file: about 200 ms of a core). The code is the very code ajv would compile, so
 * the problems are the same; it is taken only when it was generated from the very schema and options asked for (a
 * fingerprint of both), else the schema is compiled as before: a build that left it stale is slower, never wrong.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ValidateFunction } from 'ajv';
import { compileSchemaCheck, schemaCheckOf } from './check.js';
import type { SchemaCheck, SchemaCheckOptions } from './check.js';

/** A check generated at build time (see the file's comment): its fingerprint and its ajv validate function. */
export interface PrecompiledValidator {
  /** {@link schemaFingerprint} of the schema and options it was generated from. */
  readonly fingerprint: string;
  /** ajv's validate function, as ajv would compile it (its `errors` set after a failed call). */
  readonly validate: ValidateFunction;
}

/**
 * The fingerprint of a schema and the options that change ajv's code (`useDefaults`, `coerceTypes`): SHA-256 of their
 * JSON, in hex.
 */
export function schemaFingerprint(schema: Record<string, unknown>, options: SchemaCheckOptions): string {
  const text = JSON.stringify([schema, options.useDefaults ?? false, options.coerceTypes ?? false]);
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The {@link SchemaCheck} of `schema` with `options`: `precompiled`'s code when its fingerprint is the schema's and
 * the options', else {@link compileSchemaCheck} (ajv loaded and the schema compiled now).
 */
export function precompiledSchemaCheck(
  schema: Record<string, unknown>,
  precompiled: PrecompiledValidator | undefined,
  options: SchemaCheckOptions,
): SchemaCheck {
  return precompiledCheckOf(schema, precompiled, options) ?? compileSchemaCheck(schema, options);
}

/**
 * `precompiled`'s {@link SchemaCheck} when its fingerprint is `schema`'s and the options' (see
 * {@link precompiledSchemaCheck}), else `undefined`: for a caller whose own way of compiling is not a whole compile.
 */
export function precompiledCheckOf(
  schema: Record<string, unknown>,
  precompiled: PrecompiledValidator | undefined,
  options: SchemaCheckOptions,
): SchemaCheck | undefined {
  if (precompiled === undefined || precompiled.fingerprint !== schemaFingerprint(schema, options)) return undefined;
  return schemaCheckOf(precompiled.validate, options);
}

let ajvUcs2length: ((text: string) => number) | undefined;

/**
 * ajv's own count of a string's characters (a surrogate pair counts one), which generated code calls for `minLength`
 * and `maxLength`: ajv's one small runtime file, loaded at the first call (an import of a check loads nothing of ajv).
 */
export function ucs2length(text: string): number {
  ajvUcs2length ??= (createRequire(import.meta.url)('ajv/dist/runtime/ucs2length') as { default: (text: string) => number }).default;
  return ajvUcs2length(text);
}
