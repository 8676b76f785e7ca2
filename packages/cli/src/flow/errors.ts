import type { Iso8583Error } from '@iso8583/codec';
import { problemsError } from '../problems-error.js';
import type { ProblemsContext } from '../problems-error.js';

/** Error codes of flow files (`iso8583 run`). Each error names the file or the JSON path concerned, never a value. */
export const FLOW_ERROR_CODES = {
  ISO8583_ERR_FLOW_FILE: 'A flow file that cannot be read, is empty or is not JSON (at its line and column), or whose log file (`/logFile`) cannot be opened for writing.',
  ISO8583_ERR_FLOW_INVALID: 'A flow file that breaks the flow schema or gives a key twice in one object, or whose connector or inbound endpoint options the library refuses (a pool `min` above its `max`, a dialect file that does not load), or (`run --check`) whose connector journal folder cannot be made or written, or whose connector journal still owes entries recorded for another upstream (`/connectors/NAME/host`); `problems` lists every offending JSON path.',
  ISO8583_ERR_FLOW_MODULE: 'A sequence module of a flow file that cannot be loaded, does not export a function, or has not finished loading after `moduleLoadTimeout`.',
} as const;

/** A stable error code of the flow runner. */
export type FlowErrorCode = keyof typeof FLOW_ERROR_CODES;

declare module '@iso8583/codec' {
  /** The codes of flow files are codes of `Iso8583Error`. */
  interface Iso8583ErrorCodes {
    /** {@link FLOW_ERROR_CODES}. */
    flow: FlowErrorCode;
  }
}

/** Makes a coded flow error; `problems` (JSON paths and reasons only) are appended to the text. */
export function flowError(code: FlowErrorCode, message: string, context: ProblemsContext = {}): Iso8583Error {
  return problemsError(code, message, context);
}

/**
 * The error of a check or a start during which a sequence module (or the start itself) left a fault: a promise
 * rejected that nothing handled, an exception uncaught (logged masked, process-faults.ts, at the flow's `logLevel`).
 */
export function moduleFaultError(): Iso8583Error {
  return flowError(
    'ISO8583_ERR_FLOW_MODULE',
    "a sequence module or the flow's start or check left a promise rejected or an exception uncaught (its fault is logged, masked)",
  );
}
