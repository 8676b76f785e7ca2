/**
 * A check of an object against a schema of many optional properties (the gateway config: one per flag, about a
 * hundred) that compiles only the properties the object has. ajv compiles a schema whole, about 80 ms of a core for
 * the gateway config's, where a command line gives a handful of flags (about 15 ms for four); the checks of the
 * properties not given could find nothing. The problems are the same as the whole schema's: each property's own
 * schema, in the schema's order, and the same `additionalProperties` for a key the schema does not name. A value with
 * no key is valid without any compile; a value that is not an object is checked against the whole schema. A check of
 * the whole schema generated at build time (precompiled-check of @iso8583/codec) compiles nothing: taken when given.
 */
import { compileSchemaCheck } from '@iso8583/codec';
import type { FieldProblem, SchemaCheck, SchemaCheckOptions } from '@iso8583/codec';
import { precompiledCheckOf } from '@iso8583/codec/precompiled-check';
import type { PrecompiledValidator } from '@iso8583/codec/precompiled-check';

/** An object schema whose properties are all optional (no `required`, no `minProperties`, no root combinator). */
export interface OptionalPropertiesSchema {
  /** `object`. */
  readonly type: 'object';
  /** The schema of each property. */
  readonly properties: Readonly<Record<string, unknown>>;
  /** Anything else the schema says of the object as a whole (`additionalProperties`, `$id`). */
  readonly [keyword: string]: unknown;
}

/**
 * A {@link SchemaCheck} of `schema` (see the file's comment) compiled lazily with `options`, once for each set of
 * keys a checked value has (a gateway parses one command line and reads one config file); `precompiled`'s whole check
 * instead when it was generated from this schema and these options (default: none).
 */
export function givenKeysCheck(schema: OptionalPropertiesSchema, options: SchemaCheckOptions, precompiled?: PrecompiledValidator): SchemaCheck {
  const generated = precompiledCheckOf(schema, precompiled, options);
  if (generated !== undefined) return generated;
  const names = Object.keys(schema.properties);
  const checks = new Map<string, SchemaCheck>();
  let whole: SchemaCheck | undefined;
  return (value: unknown): FieldProblem[] => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      whole ??= compileSchemaCheck(schema, options);
      return whole(value);
    }
    if (Object.keys(value).length === 0) return [];
    const given = names.filter((name) => Object.hasOwn(value, name));
    const key = given.join('\n');
    let check = checks.get(key);
    if (check === undefined) {
      const properties = Object.fromEntries(given.map((name) => [name, schema.properties[name]]));
      check = compileSchemaCheck({ ...schema, properties }, options);
      checks.set(key, check);
    }
    return check(value);
  };
}
