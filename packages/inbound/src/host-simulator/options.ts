/**
 * The check of `createHostSimulator`'s options, up front: a bad one throws `ISO8583_ERR_INBOUND_OPTIONS` with
 * `problems` naming every offending option (a card by its position in `cards`, `cards[0].balance`: never its PAN),
 * never a value.
 */
import { maskDigitRuns, schemaCheckError } from '@iso8583/codec';
import type { FieldProblem } from '@iso8583/codec';

const CHECK = { code: 'ISO8583_ERR_INBOUND_OPTIONS', subject: 'host simulator options' } as const;

/** The longest delay a Node.js timer honours (the connector's `MAX_TIMER_DELAY`): the largest `delay`. */
export const MAX_SIMULATOR_DELAY = 2_147_483_647;

const KNOWN = new Set(['cards', 'defaultBalance', 'maxAmount', 'delay', 'journalSize', 'now', 'dialect', 'checkCards', 'partialApproval']);

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A plain object (`{ ... }` or `Object.create(null)`), not a `Map`, an array or a class instance. */
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  isObject(value) && [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null);

/** A key as an error may name it: any run of digits that could be a PAN masked (the codec's `maskDigitRuns`). */
const keyName = (key: string): string => maskDigitRuns(key);

/** The card numbers `cards` may hold: 12 to 19 digits (ISO/IEC 7812), Luhn-valid or not (see `checkCards`). */
const CARD_NUMBER = /^\d{12,19}$/;

/** A whole number of minor units from 0 to `Number.MAX_SAFE_INTEGER`. */
const isAmount = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * The largest balance a card may open with (`cards[].balance`, `defaultBalance`): 12 digits, what field 54 carries of
 * a balance inquiry's balance (`C` + 12 digits). A larger one would make the inquiry's answer unpackable.
 */
export const MAX_SIMULATOR_BALANCE = 999_999_999_999;

/** A balance a card may open with: a whole number of minor units from 0 to {@link MAX_SIMULATOR_BALANCE}. */
const isBalance = (value: unknown): boolean => isAmount(value) && (value as number) <= MAX_SIMULATOR_BALANCE;

/** What a bad balance is told. */
const BALANCE_RULE = `must be a whole number of minor units from 0 to ${MAX_SIMULATOR_BALANCE} (12 digits, as field 54 carries it)`;

/** The problems of one card of `cards`, named by its position. */
function cardProblems(card: unknown, name: string): FieldProblem[] {
  const problem = (field: string, reason: string): FieldProblem => ({ field, code: CHECK.code, reason });
  if (!isObject(card)) return [problem(name, 'must be an object ({ balance, expiry?, blocked? })')];
  const problems: FieldProblem[] = [];
  if (!isBalance(card.balance)) problems.push(problem(`${name}.balance`, BALANCE_RULE));
  if (card.expiry !== undefined && (typeof card.expiry !== 'string' || !/^\d{2}(0[1-9]|1[0-2])$/.test(card.expiry))) {
    problems.push(problem(`${name}.expiry`, 'must be YYMM (month 01 to 12)'));
  }
  if (card.blocked !== undefined && typeof card.blocked !== 'boolean') problems.push(problem(`${name}.blocked`, 'must be a boolean'));
  for (const key of Object.keys(card)) {
    if (!['balance', 'expiry', 'blocked'].includes(key)) problems.push(problem(`${name}.${keyName(key)}`, 'is not a property of a simulated card'));
  }
  return problems;
}

/** Throws `ISO8583_ERR_INBOUND_OPTIONS` naming every option of `options` that the simulator cannot use. */
export function checkHostSimulatorOptions(options: unknown): void {
  const problems: FieldProblem[] = [];
  const problem = (field: string, reason: string) => problems.push({ field, code: CHECK.code, reason });
  if (!isObject(options)) throw schemaCheckError([{ field: '(options)', code: CHECK.code, reason: 'must be an object' }], CHECK);
  const o = options;
  // An unknown key is named masked: a PAN given as an option (the cards object passed in place of the options) is
  // named 476173******0010.
  for (const key of Object.keys(o)) if (!KNOWN.has(key) && o[key] !== undefined) problem(keyName(key), 'is not an option of the host simulator');
  if (o.cards !== undefined) {
    if (!isPlainObject(o.cards)) problem('cards', 'must be a plain object of PAN -> card (not a Map or an array)');
    else {
      Object.entries(o.cards).forEach(([pan, card], i) => {
        if (!CARD_NUMBER.test(pan)) problem(`cards[${i}]`, 'must be keyed by a card number (12 to 19 digits)');
        problems.push(...cardProblems(card, `cards[${i}]`));
      });
    }
  }
  if (o.defaultBalance !== undefined && o.defaultBalance !== null && !isBalance(o.defaultBalance)) {
    problem('defaultBalance', `${BALANCE_RULE}, or null`);
  }
  if (o.maxAmount !== undefined && o.maxAmount !== Number.POSITIVE_INFINITY && !isAmount(o.maxAmount)) {
    problem('maxAmount', 'must be a whole number of minor units, 0 or more (or Infinity: no limit)');
  }
  if (o.delay !== undefined && !(isAmount(o.delay) && (o.delay as number) <= MAX_SIMULATOR_DELAY)) {
    problem('delay', `must be a whole number of milliseconds from 0 to ${MAX_SIMULATOR_DELAY}`);
  }
  if (o.journalSize !== undefined && !(Number.isSafeInteger(o.journalSize) && (o.journalSize as number) >= 1)) {
    problem('journalSize', 'must be a whole number, 1 or more');
  }
  if (o.now !== undefined && typeof o.now !== 'function') problem('now', 'must be a function returning a Date');
  if (o.dialect !== undefined && !(isObject(o.dialect) && isObject(o.dialect.fields))) problem('dialect', 'must be a dialect (an object with fields)');
  else if (o.dialect !== undefined && !isObject((o.dialect.fields as Record<string, unknown>)['39'])) {
    problem('dialect', 'must define field 39 (response code): no answer of the simulator could say what it did');
  }
  if (o.checkCards !== undefined && typeof o.checkCards !== 'boolean') problem('checkCards', 'must be a boolean');
  if (o.partialApproval !== undefined && typeof o.partialApproval !== 'boolean') problem('partialApproval', 'must be a boolean');
  if (problems.length > 0) throw schemaCheckError(problems, CHECK);
}
