/**
 * One way to check a value against a JSON Schema and name every offending path: ajv (all errors reported) turned into
 * {@link FieldProblem}s, one per path, reasons in words and never the value. Used for option sets (connector, inbound
 * endpoint), config files and flow files, so that they all report alike.
 */
import { createRequire } from 'node:module';
import type { Ajv, CodeOptions, ErrorObject, ValidateFunction } from 'ajv';
import type * as AjvModule from 'ajv';
import { Iso8583Error, problemsText } from '../errors.js';
import type { FieldProblem, Iso8583ErrorCode } from '../errors.js';

/** Options of {@link compileSchemaCheck}. */
export interface SchemaCheckOptions {
  /** The `code` of every problem (and of the error {@link schemaCheckError} makes), e.g. `ISO8583_ERR_CONNECTOR_OPTIONS`. */
  code: string;
  /** What is checked, for the error text (`invalid <subject>: ...`), e.g. `connector options`. */
  subject: string;
  /**
   * How a path is written: `dotted` (`pool.max`, `allow.0`) or `pointer` (JSON Pointer, `/pool/max`). Default
   * `dotted`.
   */
  paths?: 'dotted' | 'pointer';
  /** The name of the value as a whole (its path is empty). Default `(options)` when dotted, `/` as a pointer. */
  root?: string;
  /** The reason given for a property the schema does not allow. Default `is not a known key`. */
  unknownReason?: string;
  /** Fill in the schema's `default`s (the value is changed in place). Default `false`. */
  useDefaults?: boolean;
  /** Coerce scalar types as ajv does (`"8583"` -> 8583; the value is changed in place). Default `false`. */
  coerceTypes?: boolean;
  /**
   * Check `schema` itself against the JSON Schema meta-schema first (an invalid schema throws). Default `true`. The
   * toolkit's own schemas, checked by a test, pass `false`: the meta-schema then is never compiled (about 35 ms).
   */
  checkSchema?: boolean;
}

/** Checks a value; returns its problems, one per offending path (empty when the value is valid). */
export type SchemaCheck = (value: unknown) => FieldProblem[];

/** The reason of an ajv error, in words, never the value. */
function reasonOf(error: ErrorObject, unknownReason: string): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return unknownReason;
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    case 'anyOf':
    case 'oneOf':
    case 'typeof':
      return 'is of the wrong kind';
    default:
      return error.message ?? 'is invalid';
  }
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** The path segments of an ajv error: its instance path, plus the missing, unknown or badly named property. */
function segmentsOf(error: ErrorObject): string[] {
  const segments = error.instancePath.split('/').slice(1).map(unescapePointer);
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty !== undefined) segments.push(params.missingProperty);
  if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
    segments.push(params.additionalProperty);
  }
  if (error.propertyName !== undefined) segments.push(error.propertyName);
  return segments;
}

/**
 * One ajv per set of instance options, shared by every check compiled with them. A new ajv that checks schemas
 * compiles the JSON Schema meta-schema before its first schema (about 35 ms of a start, more than most schemas): the
 * toolkit's own schemas skip it (`checkSchema: false`; a test checks each against the meta-schema instead). Schemas
 * are not kept by `$id` (`addUsedSchema: false`): two checks may compile schemas with the same `$id`, as separate
 * instances allowed; ajv still keeps each compiled schema by the schema object, so compiling one object twice is free.
 */
const AJVS = new Map<string, Ajv>();

/** ajv (CommonJS), loaded with the first check compiled: a process that checks nothing never loads it. */
let ajvLoaded: typeof AjvModule | undefined;

function ajvModule(): typeof AjvModule {
  ajvLoaded ??= createRequire(import.meta.url)('ajv') as typeof AjvModule;
  return ajvLoaded;
}

/**
 * A new ajv as every check of the toolkit uses (all errors, `typeof`, strict numbers), with `code` for a build that
 * writes its code out (precompiled.ts). Strict numbers: an `integer` or `number` is finite, never `NaN` nor
 * `±Infinity` (ajv's `strictNumbers`, off with `strict: false`): `Infinity % 1` is `NaN`, and ajv's integer check
 * without it let `Infinity` through every `integer` option that had no `maximum` (a `pool.min` of `Infinity` hung the
 * connector). A value coerced from a string (`coerceTypes`) is not checked again: `"Infinity"` becomes `Infinity`, so a
 * schema that coerces bounds each number with a `maximum` (the gateway's flags do: `flagSchema`). The `typeof` keyword (as in ajv-keywords: `{ "typeof": "object" }`, not null;
 * `{ "typeof": "function" }`) is written as code, not a function called at run time, so that code written out holds
 * it too; a value that fails it gets ajv's one error of the keyword, as from a function.
 */
export function newAjv(useDefaults: boolean, coerceTypes: boolean, validateSchema: boolean, code?: CodeOptions): Ajv {
  const { Ajv: AjvClass, _ } = ajvModule();
  const ajv = new AjvClass({ allErrors: true, strict: false, strictNumbers: true, useDefaults, coerceTypes, addUsedSchema: false, validateSchema, ...(code ? { code } : {}) });
  ajv.addKeyword({
    keyword: 'typeof',
    schemaType: 'string',
    code(cxt) {
      const data = cxt.data;
      cxt.fail(cxt.schema === 'object' ? _`${data} === null || typeof ${data} !== "object"` : _`typeof ${data} !== ${cxt.schema as string}`);
    },
  });
  return ajv;
}

function sharedAjv(useDefaults: boolean, coerceTypes: boolean, validateSchema: boolean): Ajv {
  const key = `${String(useDefaults)}/${String(coerceTypes)}/${String(validateSchema)}`;
  let ajv = AJVS.get(key);
  if (ajv === undefined) {
    ajv = newAjv(useDefaults, coerceTypes, validateSchema);
    AJVS.set(key, ajv);
  }
  return ajv;
}

/**
 * Compiles `schema` into a {@link SchemaCheck}. Every error is reported (ajv `allErrors`), one problem per path: for
 * `anyOf` / `oneOf`, the branches' own errors are dropped and one line says the value is of the wrong kind. The `typeof`
 * keyword (as in ajv-keywords) describes runtime-only values: `{ "typeof": "function" }`, `{ "typeof": "object" }`.
 */
export function compileSchemaCheck(schema: Record<string, unknown>, options: SchemaCheckOptions): SchemaCheck {
  return schemaCheckOf(sharedAjv(options.useDefaults ?? false, options.coerceTypes ?? false, options.checkSchema ?? true).compile(schema), options);
}

/** A {@link SchemaCheck} of an ajv validate function (compiled now or generated at build time), its errors as problems. */
export function schemaCheckOf(validate: ValidateFunction, options: SchemaCheckOptions): SchemaCheck {
  const pointer = options.paths === 'pointer';
  const root = options.root ?? (pointer ? '/' : '(options)');
  const unknownReason = options.unknownReason ?? 'is not a known key';
  const name = (segments: string[]): string => {
    if (segments.length === 0) return root;
    return pointer ? segments.map((s) => '/' + escapePointer(s)).join('') : segments.join('.');
  };
  return (value: unknown): FieldProblem[] => {
    if (validate(value)) return [];
    const errors = validate.errors ?? [];
    // Errors inside a failed anyOf / oneOf are its branches' noise; the summary error stands for them.
    const alternatives = errors
      .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
      .map((e) => e.schemaPath + '/');
    // `if` and `propertyNames` only repeat what the errors of their `then` / property name say; the `null` branch of
    // "null or ..." says nothing useful, wherever the branch was written (inline or by $ref).
    const kept = errors.filter(
      (e) =>
        e.keyword !== 'if' &&
        e.keyword !== 'propertyNames' &&
        !(e.keyword === 'type' && (e.params as { type?: unknown }).type === 'null') &&
        !alternatives.some((prefix) => e.schemaPath.startsWith(prefix)),
    );
    // A failed anyOf / oneOf whose chosen branch (reached by $ref) reported errors deeper down: those say more.
    const deeper = (e: ErrorObject): boolean =>
      kept.some((other) => other !== e && other.instancePath.startsWith(e.instancePath + '/'));
    const byPath = new Map<string, FieldProblem>();
    for (const error of kept) {
      if ((error.keyword === 'anyOf' || error.keyword === 'oneOf') && deeper(error)) continue;
      const field = name(segmentsOf(error));
      if (byPath.has(field)) continue;
      byPath.set(field, { field, code: options.code, reason: reasonOf(error, unknownReason) });
    }
    return [...byPath.values()];
  };
}

/**
 * The coded error for a value with problems: `code` as given, the text `invalid <subject>: <path> (<reason>); ...`,
 * `field` the first offending path and `problems` all of them. Never contains a value.
 */
export function schemaCheckError(
  problems: FieldProblem[],
  options: Pick<SchemaCheckOptions, 'code' | 'subject'>,
): Iso8583Error {
  const list = problemsText(problems);
  // The caller names a code of its package's table (any text is accepted, as the code of each problem).
  return new Iso8583Error(options.code as Iso8583ErrorCode, `invalid ${options.subject}: ${list}`, { field: problems[0]?.field, problems });
}

/** Checks `value` with `check` and throws {@link schemaCheckError} when it has problems. */
export function assertSchemaCheck(
  check: SchemaCheck,
  value: unknown,
  options: Pick<SchemaCheckOptions, 'code' | 'subject'>,
): void {
  const problems = check(value);
  if (problems.length > 0) throw schemaCheckError(problems, options);
}
