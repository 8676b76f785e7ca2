/**
 * JSON dialect files: `{ "name", "extends", "description", "mti", "bitmap", "headerLength", "version",
 * "approvalCodes", "approvalClass", "systemErrorCodes", "answerCodes", "reversal", "fields" }`, checked against `schema/dialect.schema.json` (ajv), merged over the
 * built-in dialect they extend (a field entry overrides the properties it names, a `reversal` the rules it names and
 * its `set` the fields it names; `null`
 * removes a field or a property, `"approvalClass": null` the class inherited: the standard's, and `"reversal": null`
 * the reversal rules inherited: the edition's, `"answerCodes": null` the codes inherited), then checked
 * against the semantic rules. `extends` may also name a jPOS GenericPackager `.xml` file.
 */
import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Dialect, DialectReversal, FieldSpec } from '../types.js';
import type { FieldProblem } from '../errors.js';
import { codecError } from '../errors.js';
import { getDialect } from './builtin.js';
import { DialectFileError, readDialectFile, readFileOption } from './dialect-file.js';
import type { DialectFileReader } from './dialect-file.js';
import { dialectFromPackagerXml } from '../jpos/packager-xml.js';
import { dialectInvalid, dialectProblems } from './check.js';
import { refuseDeepComposites } from './composite-depth.js';
import { compileSchemaCheck } from '../schema/check.js';
import { withoutBom } from '../without-bom.js';
import type { SchemaCheck } from '../schema/check.js';

/** The JSON Schema of dialect files (the file shipped as `@iso8583/codec/dialect.schema.json`). */
export function dialectSchema(): Record<string, unknown> {
  const url = new URL('../../../schema/dialect.schema.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Record<string, unknown>;
}

let check: SchemaCheck | undefined;

/** The problems of a dialect document against the dialect schema, one per offending path. */
function schemaProblems(json: unknown): FieldProblem[] {
  check ??= compileSchemaCheck(dialectSchema(), {
    code: 'ISO8583_ERR_DIALECT_INVALID',
    subject: 'dialect',
    root: 'dialect',
    unknownReason: 'unknown property',
    checkSchema: false,
  });
  return check(json);
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
 * `reversal.set` of a dialect file merged per field over the `set` of the dialect it extends: a field it names takes its
 * value, a field set to `null` is no longer set, the others stay (extending `smartvista` with `{ "25": "08" }` keeps
 * its `24` = `400`).
 */
function mergeSet(base: Record<string, string> | undefined, own: Record<string, string | null>): Record<string, string> {
  const merged: Record<string, string> = { ...(base ?? {}) };
  for (const [field, value] of Object.entries(own)) {
    if (value === null) delete merged[field];
    else merged[field] = value;
  }
  return merged;
}

/**
 * The reversal rules of a dialect file: its `reversal` merged over those of the dialect it extends (`base`), a key
 * set to `null` taking the default (removed), `set` merged per field ({@link mergeSet}); `"reversal": null` the edition's, whatever `base` says. `undefined`
 * when no rule is left. Checked afterwards with the rest (`dialectProblems`: `reversal-check.ts`).
 */
function reversalOf(own: Record<string, unknown> | null | undefined, base: DialectReversal | undefined): DialectReversal | undefined {
  if (own === null) return undefined;
  const merged: Record<string, unknown> = base === undefined ? {} : { ...structuredClone(base) };
  for (const [key, value] of Object.entries(own ?? {})) {
    if (value === null) delete merged[key];
    else if (key === 'set') merged.set = mergeSet(merged.set as Record<string, string> | undefined, value as Record<string, string | null>);
    else merged[key] = structuredClone(value);
  }
  if (merged.set !== undefined && Object.keys(merged.set as object).length === 0) delete merged.set;
  return Object.keys(merged).length > 0 ? (merged as DialectReversal) : undefined;
}

/** Options of {@link dialectFromJson}. */
export interface DialectFromJsonOptions {
  /**
   * The folder a relative `.xml` path in `extends` is read from: the dialect file's own (what `resolveDialect` gives).
   * Default: the process's working directory.
   */
  readonly dir?: string;
  /**
   * The reader of the `.xml` packager file `extends` names (its UTF-8 text; it throws its own error, which passes
   * through): what `resolveDialect` was given for the dialect file itself. Default: a regular file of at most 1 MiB
   * (`readDialectFile`), a failure `ISO8583_ERR_DIALECT_INVALID` naming `extends` with the system's code or the refusal.
   */
  readonly readFile?: DialectFileReader;
}

/**
 * The dialect a file `extends`: a jPOS GenericPackager `.xml` file (read from `dir` by `readFile`, else by the codec's
 * rule; `dialectFromPackagerXml`), or a built-in dialect by name.
 */
function baseDialect(ref: string, options: DialectFromJsonOptions): Dialect {
  if (ref.toLowerCase().endsWith('.xml')) {
    const path = resolve(options.dir ?? '.', ref);
    let xml: string;
    if (options.readFile !== undefined) xml = options.readFile(path);
    else {
      try {
        xml = readDialectFile(path);
      } catch (err) {
        const why = err instanceof DialectFileError ? `: ${err.reason}` : '';
        throw dialectInvalid([{ field: 'extends', code: 'ISO8583_ERR_DIALECT_UNKNOWN', reason: `the packager file cannot be read${why}` }]);
      }
    }
    return dialectFromPackagerXml(xml, basename(path).replace(/\.xml$/i, ''));
  }
  try {
    return getDialect(ref);
  } catch {
    throw dialectInvalid([{ field: 'extends', code: 'ISO8583_ERR_DIALECT_UNKNOWN', reason: 'not a built-in dialect nor a .xml packager file' }]);
  }
}

/**
 * Builds a dialect from a JSON dialect document (validated against `schema/dialect.schema.json`; as text, a leading
 * UTF-8 byte order mark is dropped); `extends` names a
 * built-in dialect, or a jPOS GenericPackager `.xml` file (a path, relative to `options.dir`), whose fields it
 * overrides: so an imported packager gets the `version`, `approvalCodes` or `reversal` rules its XML cannot say.
 * Throws `ISO8583_ERR_DIALECT_INVALID` naming every offending path (`extends` for a name that is neither, or a file
 * that cannot be read), `ISO8583_ERR_PACKAGER_XML` / `ISO8583_ERR_PACKAGER_CLASS` for a packager file it refuses.
 */
export function dialectFromJson(json: unknown, options: DialectFromJsonOptions = {}): Dialect {
  readFileOption(options.readFile);
  let doc = json;
  if (typeof doc === 'string') {
    try {
      // A leading byte order mark (a file saved by a Windows editor) is no part of the JSON.
      doc = JSON.parse(withoutBom(doc));
    } catch {
      throw codecError('ISO8583_ERR_DIALECT_INVALID', 'the dialect is not valid JSON', { field: 'dialect' });
    }
  }
  refuseDeepComposites(doc);
  const schemaFailures = schemaProblems(doc);
  if (schemaFailures.length > 0) throw dialectInvalid(schemaFailures);
  const file = doc as {
    name: string;
    extends?: string;
    description?: string;
    mti?: Dialect['mti'];
    bitmap?: Dialect['bitmap'];
    headerLength?: number;
    version?: Dialect['version'];
    approvalCodes?: string[];
    approvalClass?: string[] | null;
    systemErrorCodes?: string[] | null;
    answerCodes?: Record<string, string> | null;
    reversal?: Record<string, unknown> | null;
    fields?: Record<string, Record<string, unknown> | null>;
  };
  let base: Dialect | undefined;
  if (file.extends !== undefined) base = baseDialect(file.extends, options);
  const fields: Record<string, FieldSpec> = { ...(base?.fields ?? {}) };
  for (const [key, override] of Object.entries(file.fields ?? {})) {
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
  const version = file.version ?? base?.version;
  if (version !== undefined) dialect.version = version;
  const approvalCodes = file.approvalCodes ?? base?.approvalCodes;
  if (approvalCodes !== undefined) dialect.approvalCodes = [...approvalCodes];
  // `null`: the standard's class, whatever the dialect extended says.
  const approvalClass = file.approvalClass === null ? undefined : (file.approvalClass ?? base?.approvalClass);
  if (approvalClass !== undefined) dialect.approvalClass = [...approvalClass];
  // `null`: the edition's system errors, whatever the dialect extended says.
  const systemErrorCodes = file.systemErrorCodes === null ? undefined : (file.systemErrorCodes ?? base?.systemErrorCodes);
  if (systemErrorCodes !== undefined) dialect.systemErrorCodes = [...systemErrorCodes];
  const reversal = reversalOf(file.reversal, base?.reversal);
  if (reversal !== undefined) dialect.reversal = reversal;
  if (base?.networkManagement !== undefined) dialect.networkManagement = structuredClone(base.networkManagement);
  // `null`: none (the edition's codes), whatever the dialect extended says; a file names them for a field 39 wider than 3.
  // Merged over the extended dialect's, as `reversal` is: a file naming its 91 keeps smartvista's 68 (sr69q #4).
  const answerCodes = file.answerCodes === null ? undefined : (file.answerCodes === undefined ? base?.answerCodes : { ...base?.answerCodes, ...file.answerCodes });
  if (answerCodes !== undefined) dialect.answerCodes = { ...answerCodes };
  const problems = dialectProblems(dialect);
  if (problems.length > 0) throw dialectInvalid(problems);
  return dialect;
}
