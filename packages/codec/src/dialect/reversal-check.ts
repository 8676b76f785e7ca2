/**
 * The semantic rules of a dialect's `reversal` ({@link DialectReversal}), however the dialect was made (a JSON file, a
 * jPOS packager, code): checked by `dialectProblems` at `createCodec`, so that a connector never builds a reversal
 * that overwrites what identifies the original, carries card data, or cannot be packed (every reversal refused).
 */
import type { Dialect, DialectReversal } from '../types.js';
import type { FieldProblem } from '../errors.js';
import { compileField } from '../field/plan.js';
import { prepareValue } from '../field/prepare.js';
import type { Problem } from '../field/prepare.js';
import { cardDataFields } from '../card-data.js';
import { dialectVersion } from './version.js';

/**
 * Fields `reversal.set` may never name: the MTI and bitmap (0, 1), what says which transaction it undoes (the PAN 2,
 * 7 and 11, 12 and 13, the acquiring and forwarding institutions 32 and 33, the retrieval reference number 37, the
 * original's approval code 38, the terminal 41) and the original data elements (90; 56 in a 1993 edition), which the
 * reversal takes from the original (ISO 8583: a reversal carries the original's data elements; 90 / 56 name its
 * acquirer and forwarder, which the reversal's own 32 and 33 must match; `copy` adds 33 or 38 when a host wants them):
 * a fixed value there reverses, keys and journals the wrong transaction. And what says how much it
 * undoes: the processing code (3), every amount, conversion rate and currency of the transaction ({@link AMOUNTS_1987},
 * {@link AMOUNTS_1993}): a fixed value there undoes a fixed amount, or the original's amount in another currency.
 */
const NEVER_SET_1987: readonly string[] = ['0', '1', '2', '4', '7', '11', '12', '13', '32', '33', '37', '38', '41', '90'];
const NEVER_SET_1993: readonly string[] = [...NEVER_SET_1987, '56'];

/**
 * 1987: the processing code 3, the settlement and cardholder billing amounts 5 and 6, the billing fee 8, the conversion
 * rates 9 and 10, the fees 28 to 31, the currencies 49, 50 and 51, the additional amounts 54 and the replacement
 * amounts 95 (a fixed 95 turns every full reversal into a partial one of that amount).
 */
const AMOUNTS_1987: readonly string[] = ['3', '5', '6', '8', '9', '10', '28', '29', '30', '31', '49', '50', '51', '54', '95'];

/**
 * 1993: the processing code 3, the reconciliation and cardholder billing amounts 5 and 6, the billing fee 8, the
 * conversion rates 9 and 10, the original amounts 30, the fees 46, the currencies 49, 50 and 51, the additional amounts 54.
 */
const AMOUNTS_1993: readonly string[] = ['3', '5', '6', '8', '9', '10', '30', '46', '49', '50', '51', '54'];

function add(problems: FieldProblem[], path: string, reason: string): void {
  problems.push({ field: path, code: 'ISO8583_ERR_DIALECT_INVALID', reason });
}

/**
 * Whether `field` of `dialect` carries card data (`cardDataFields`: sub-fields' marks included); true when the fields
 * cannot be read (a malformed spec, reported by its own problem): never taken for an amount or a fixed value on a doubt.
 */
function isCardData(dialect: Dialect, field: string): boolean {
  try {
    return cardDataFields(dialect).has(field);
  } catch {
    return true;
  }
}

/**
 * Fields whose digits are never an amount: what identifies the transaction ({@link NEVER_SET_1987} but 4; 56 too in
 * a 1993 edition), the processing code 3, the conversion rates 9 and 10 and the currencies 49, 50 and 51. Named as
 * `approvedAmount`, a STAN, an approval code (`001234`) or a currency code (`978`) would be reversed as the amount (9.78).
 */
const NEVER_AMOUNT: readonly string[] = [...NEVER_SET_1987.filter((f) => f !== '0' && f !== '1' && f !== '4'), '3', '9', '10', '49', '50', '51'];

/** `reversal.approvedAmount`: `false`, or the number of a data element of the answer (`"4"`) that may carry an amount, never card data. */
function approvedAmountProblems(dialect: Dialect, approved: unknown, problems: FieldProblem[], max: number): void {
  if (approved === undefined || approved === false) return;
  if (typeof approved !== 'string' || !/^[1-9][0-9]*$/.test(approved) || Number(approved) < 2 || Number(approved) > max) {
    add(problems, 'reversal.approvedAmount', `must be false or a field number from 2 to ${max} (the answer's field that carries the amount approved)`);
  } else if (NEVER_AMOUNT.includes(approved) || (approved === '56' && dialectVersion(dialect) === '1993')) {
    add(problems, 'reversal.approvedAmount', `field ${approved} never carries an amount (it identifies the transaction, or is a processing code, rate or currency)`);
  } else if (isCardData(dialect, approved)) {
    // Its value would travel in the reversal's field 4, and be journaled on disk.
    add(problems, 'reversal.approvedAmount', `field ${approved} carries card data, not an amount`);
  }
}

/** Why `value` cannot travel in field `field` of `dialect` (packed as pack packs it), or `undefined` when it can. */
function unpackable(dialect: Dialect, field: string, value: unknown): string | undefined {
  const spec = dialect.fields[field]!;
  if (spec.subfields !== undefined) return 'is a composite field: a fixed value is for a plain field';
  try {
    const problem: Problem = { code: 'ISO8583_ERR_FIELD_VALUE', reason: '' };
    const plan = compileField(field, Number(field), spec, undefined);
    // The reason says what is wrong, never the value.
    return prepareValue(plan, value, false, problem) === undefined ? `does not pack in field ${field}: ${problem.reason}` : undefined;
  } catch {
    return `does not pack in field ${field}`;
  }
}

/**
 * `reversal.set`: fixed values, each for a field of the dialect that is none of {@link NEVER_SET_1987} and
 * {@link AMOUNTS_1987} (1993: {@link NEVER_SET_1993} and {@link AMOUNTS_1993}) nor card data, and that packs in its
 * field. `fieldsValid`: whether a field's own spec is valid (only then is a value packed with it).
 */
function setProblems(dialect: Dialect, set: unknown, problems: FieldProblem[], fieldsValid: (field: string) => boolean): void {
  if (set === undefined) return;
  if (set === null || typeof set !== 'object' || Array.isArray(set)) {
    add(problems, 'reversal.set', 'must be an object of fixed values keyed by field number');
    return;
  }
  const v1993 = dialectVersion(dialect) === '1993';
  const never = v1993 ? NEVER_SET_1993 : NEVER_SET_1987;
  const amounts = v1993 ? AMOUNTS_1993 : AMOUNTS_1987;
  for (const [field, value] of Object.entries(set as Record<string, unknown>)) {
    const path = `reversal.set.${field}`;
    if (never.includes(field)) {
      add(problems, path, `field ${field} is taken from the original (or made) by every reversal: it cannot be a fixed value`);
    } else if (amounts.includes(field)) {
      add(problems, path, `field ${field} says how much the reversal undoes (an amount, rate, currency or processing code): it is the original's, never a fixed value`);
    } else if (!Object.hasOwn(dialect.fields, field)) {
      add(problems, path, `field ${field} is not a field of the dialect`);
    } else if (isCardData(dialect, field)) {
      add(problems, path, `field ${field} carries card data: never a fixed value of a reversal`);
    } else if (typeof value !== 'string') {
      add(problems, path, 'must be a string');
    } else if (fieldsValid(field)) {
      const why = unpackable(dialect, field, value);
      if (why !== undefined) add(problems, path, why);
    }
  }
}

/** `reversal.copy`: a list of fields of the dialect. */
function copyProblems(dialect: Dialect, copy: unknown, problems: FieldProblem[]): void {
  if (copy === undefined) return;
  if (!Array.isArray(copy)) {
    add(problems, 'reversal.copy', 'must be a list of field numbers');
    return;
  }
  copy.forEach((field: unknown, i) => {
    if (typeof field !== 'string' || !Object.hasOwn(dialect.fields, field)) {
      add(problems, `reversal.copy.${i}`, `${typeof field === 'string' ? `field ${field}` : 'an entry'} is not a field of the dialect`);
    }
  });
}

/**
 * Every problem of `dialect.reversal` (appended to `problems`): `approvedAmount`, `set` and `copy`. `max` is the
 * highest field number of the dialect; `fieldsValid(field)` whether that field's own spec passed its check.
 */
export function reversalProblems(dialect: Dialect, problems: FieldProblem[], max: number, fieldsValid: (field: string) => boolean): void {
  const rules: unknown = dialect.reversal;
  if (rules === undefined || rules === null || typeof rules !== 'object') return;
  const { approvedAmount, set, copy } = rules as { [K in keyof DialectReversal]?: unknown };
  approvedAmountProblems(dialect, approvedAmount, problems, max);
  setProblems(dialect, set, problems, fieldsValid);
  copyProblems(dialect, copy, problems);
}

/**
 * The fields a reversal in the dialect's edition makes itself, each with the widest and the narrowest value it takes:
 * 1987 field 90 (42 digits: original MTI, STAN, transmission time, two institution ids); 1993 field 24 (`400`), 25
 * (`4021`) and 56 (22 to 35 digits: original MTI, STAN, local date and time, an LLVAR acquirer id or none). Without
 * the original data elements (`reversal.originalData: false`) no 90 or 56; a field `reversal.set` names is its value.
 */
function madeFields(dialect: Dialect): [string, string[]][] {
  const rules = dialect.reversal ?? {};
  const original = rules.originalData !== false;
  const made: [string, string[]][] =
    dialectVersion(dialect) === '1993'
      ? [['24', ['400']], ['25', ['4021']], ...(original ? [['56', ['1'.repeat(35), '1'.repeat(22)]] as [string, string[]]] : [])]
      : original ? [['90', ['1'.repeat(42)]]] : [];
  return made.filter(([field]) => !Object.hasOwn(rules.set ?? {}, field));
}

/**
 * Why a reversal (`reversal-message.ts` in the connector) cannot be packed in `dialect`, one problem per field it
 * makes that the dialect lacks or whose values cannot travel in it (`ISO8583_ERR_DIALECT_INVALID` naming `fields.90`,
 * `fields.56`, `fields.24` or `fields.25`): every reversal would be refused at pack and the host never told; and the
 * `reversal` rules (`set`, `approvedAmount`) read in the dialect's edition (`version`: a fixed 56 undoes the wrong
 * transaction in 1993, not in 1987). Empty when the reversal packs. A dialect with such a problem is valid for
 * everything else; a connector with reversal on refuses it.
 */
export function reversalMessageProblems(dialect: Dialect): FieldProblem[] {
  const problems: FieldProblem[] = [];
  // The rules of `reversal` read in this edition: a dialect checked in its own (a fixed 56 or 46 is allowed in 1987)
  // may be asked for a reversal in the other (an original 1200 in a 1987 dialect, reversal-message.ts), where they fix
  // the original data elements or the fees.
  const rules = dialect.reversal;
  if (rules !== undefined && rules !== null) {
    // The highest field number, as `dialectProblems` reads it (check.ts).
    const max = dialect.bitmap?.tertiary === true ? 192 : 128;
    approvedAmountProblems(dialect, rules.approvedAmount, problems, max);
    setProblems(dialect, rules.set, problems, () => true);
  }
  const edition = dialectVersion(dialect);
  for (const [field, values] of madeFields(dialect)) {
    const path = `fields.${field}`;
    const what = field === '90' || field === '56' ? 'the original data elements' : field === '24' ? 'the function code 400' : 'the message reason code 4021';
    if (!Object.hasOwn(dialect.fields, field)) {
      add(problems, path, `a ${edition} reversal carries ${what} in field ${field}, which the dialect does not define`);
      continue;
    }
    for (const value of values) {
      const why = unpackable(dialect, field, value);
      if (why !== undefined) {
        add(problems, path, `a ${edition} reversal carries ${what} (${value.length} digits) in field ${field}: it ${why}`);
        break;
      }
    }
  }
  return problems;
}
