/**
 * `${VAR}` and `${VAR:-default}` placeholders of a flow file, taken from the environment. A placeholder's value is
 * text; where the flow schema takes a number or a boolean at its place, text that reads as one becomes one.
 */
import type { FieldProblem } from '@iso8583/codec';
import { pointerKey } from './locate.js';

const PLACEHOLDER = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?\}$/;

type SchemaNode = Record<string, unknown>;

/** The schema of the value under `key` of a value that `schema` describes (`undefined` where it says nothing). */
function childSchema(schema: SchemaNode | undefined, key: string, array: boolean): SchemaNode | undefined {
  if (schema === undefined) return undefined;
  if (Array.isArray(schema.anyOf)) {
    const kinds = (schema.anyOf as SchemaNode[]).map((s) => childSchema(s, key, array)).filter((s) => s !== undefined);
    return kinds.length === 0 ? undefined : kinds.length === 1 ? kinds[0] : { anyOf: kinds };
  }
  const of = (node: unknown): SchemaNode | undefined =>
    node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as SchemaNode) : undefined;
  if (array) return of(schema.items);
  const props = of(schema.properties);
  return props !== undefined && Object.hasOwn(props, key) ? of(props[key]) : of(schema.additionalProperties);
}

/** The JSON types `schema` accepts (`integer` as `number`), or `undefined` when it does not say. */
function schemaTypes(schema: SchemaNode | undefined): Set<string> | undefined {
  if (schema === undefined) return undefined;
  if (Array.isArray(schema.anyOf)) {
    const all = new Set<string>();
    for (const s of schema.anyOf as SchemaNode[]) {
      const kinds = schemaTypes(s);
      if (kinds === undefined) return undefined;
      for (const k of kinds) all.add(k);
    }
    return all;
  }
  const values = Array.isArray(schema.enum) ? (schema.enum as unknown[]) : 'const' in schema ? [schema.const] : undefined;
  if (values !== undefined) return new Set(values.map((v) => typeof v));
  const type = schema.type;
  if (type === undefined) return undefined;
  return new Set((Array.isArray(type) ? type : [type]).map((t) => (t === 'integer' ? 'number' : String(t))));
}

/**
 * The value of a placeholder's text: a number or a boolean where it reads as one and the schema at its place takes
 * one (or says nothing), else the text as it is, so a key that takes text keeps it (a TPDU `header` "6000010000").
 */
function typed(text: string, schema: SchemaNode | undefined): unknown {
  const kinds = schemaTypes(schema);
  if (/^-?\d+(\.\d+)?$/.test(text) && (kinds === undefined || kinds.has('number'))) return Number(text);
  if ((text === 'true' || text === 'false') && (kinds === undefined || kinds.has('boolean'))) return text === 'true';
  return text;
}

/**
 * Replaces every string that is exactly `${VAR}` or `${VAR:-default}` by the variable (or the default). Where
 * `schema` (the flow schema, walked along with the value) takes a number or a boolean at that place, a value that
 * reads as one becomes one (`"${PORT:-8583}"` -> 8583); where it takes only text, it stays text
 * (`"header": "${TPDU:-6000010000}"`). Without a schema, any value that reads as a JSON number or boolean becomes one.
 * A variable unset without a default is a problem at that path.
 */
export function substitute(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: string,
  problems: FieldProblem[],
  schema?: SchemaNode,
): unknown {
  if (typeof value === 'string') {
    const m = PLACEHOLDER.exec(value);
    if (m === null) return value;
    const name = m[1] as string;
    const text = env[name] ?? m[2];
    if (text === undefined) {
      problems.push({ field: path || '/', code: 'env', reason: `environment variable ${name} is not set and has no default` });
      return value;
    }
    return typed(text, schema);
  }
  if (Array.isArray(value)) {
    return value.map((v, i) => substitute(v, env, `${path}/${i}`, problems, childSchema(schema, String(i), true)));
  }
  if (value !== null && typeof value === 'object') {
    // Own properties only (`fromEntries` defines them): a `__proto__` key stays a key, checked like any other, and
    // never becomes the object's prototype.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [
      k,
      substitute(v, env, `${path}/${pointerKey(k)}`, problems, childSchema(schema, k, false)),
    ]));
  }
  return value;
}
