/**
 * JSON dialect files: `{ "name", "extends", "description", "mti", "bitmap", "headerLength", "fields" }`, checked
 * against `schema/dialect.schema.json` (ajv), merged over the built-in dialect they extend (a field entry overrides
 * the properties it names; `null` removes a field or a property), then checked against the semantic rules.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Dialect, FieldSpec } from '../types.js';
import type { FieldProblem } from '../errors.js';
import { codecError } from '../errors.js';
import { getDialect } from './builtin.js';
import { dialectInvalid, dialectProblems } from './check.js';

let validator: ValidateFunction | undefined;

/** The JSON Schema of dialect files (the file shipped as `@iso8583/codec/dialect.schema.json`). */
export function dialectSchema(): Record<string, unknown> {
  const url = new URL('../../../schema/dialect.schema.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

function validate(): ValidateFunction {
  if (validator === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    validator = ajv.compile(dialectSchema());
  }
  return validator;
}

function schemaProblems(errors: ErrorObject[]): FieldProblem[] {
  const seen = new Set<string>();
  const problems: FieldProblem[] = [];
  for (const e of errors) {
    // oneOf/if errors repeat what the branch errors say; keep the specific ones.
    if (e.keyword === 'oneOf' || e.keyword === 'if' || e.keyword === 'propertyNames') continue;
    // The `null` branch of "null or an object" (null removes a field or a property) says nothing useful.
    if (e.keyword === 'type' && (e.params as { type?: string }).type === 'null') continue;
    let path = e.instancePath.slice(1).split('/').join('.');
    if (e.propertyName !== undefined) path = path === '' ? e.propertyName : `${path}.${e.propertyName}`;
    if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      path = path === '' ? extra : `${path}.${extra}`;
    } else if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      path = path === '' ? missing : `${path}.${missing}`;
    }
    if (path === '') path = 'dialect';
    const reason =
      e.keyword === 'additionalProperties'
        ? 'unknown property'
        : e.keyword === 'required'
          ? 'missing'
          : e.propertyName !== undefined
            ? 'not a field number'
            : (e.message ?? e.keyword);
    const key = `${path}|${reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ field: path, code: 'ISO8583_ERR_DIALECT_INVALID', reason });
  }
  return problems;
}

const BCD_ONLY = ['justify', 'padNibble', 'signEncoding'] as const;

function mergeField(baseSpec: FieldSpec | undefined, override: Record<string, unknown>): FieldSpec {
  const merged: Record<string, unknown> = { ...(baseSpec ?? {}) };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  // A base field's BCD details do not survive an override that moves the field off BCD.
  if (merged.encoding !== 'bcd') for (const key of BCD_ONLY) if (!(key in override)) delete merged[key];
  return merged as unknown as FieldSpec;
}

/**
 * Builds a dialect from a JSON dialect document (validated against `schema/dialect.schema.json`); `extends` names a
 * built-in dialect whose fields it overrides. Throws `ISO8583_ERR_DIALECT_INVALID` naming every offending path.
 */
export function dialectFromJson(json: unknown): Dialect {
  let doc = json;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      throw codecError('ISO8583_ERR_DIALECT_INVALID', 'the dialect is not valid JSON', { field: 'dialect' });
    }
  }
  const check = validate();
  if (!check(doc)) throw dialectInvalid(schemaProblems(check.errors ?? []));
  const file = doc as {
    name: string;
    extends?: string;
    description?: string;
    mti?: Dialect['mti'];
    bitmap?: Dialect['bitmap'];
    headerLength?: number;
    fields: Record<string, Record<string, unknown> | null>;
  };
  let base: Dialect | undefined;
  if (file.extends !== undefined) {
    try {
      base = getDialect(file.extends);
    } catch {
      throw dialectInvalid([{ field: 'extends', code: 'ISO8583_ERR_DIALECT_UNKNOWN', reason: 'not a built-in dialect' }]);
    }
  }
  const fields: Record<string, FieldSpec> = { ...(base?.fields ?? {}) };
  for (const [key, override] of Object.entries(file.fields)) {
    if (override === null) delete fields[key];
    else fields[key] = mergeField(fields[key], override);
  }
  const dialect: Dialect = {
    name: file.name,
    mti: file.mti ?? base!.mti,
    bitmap: file.bitmap ?? base!.bitmap,
    fields,
  };
  const description = file.description ?? base?.description;
  if (description !== undefined) dialect.description = description;
  const headerLength = file.headerLength ?? base?.headerLength;
  if (headerLength !== undefined) dialect.headerLength = headerLength;
  const problems = dialectProblems(dialect);
  if (problems.length > 0) throw dialectInvalid(problems);
  return dialect;
}
