import type { Iso8583Error } from '@iso8583/codec';
import type { CliErrorCode } from '../args.js';
import { problemsError } from '../problems-error.js';
import type { ProblemsContext } from '../problems-error.js';

/**
 * Error codes of the gateway's configuration (`iso8583 gateway`, `iso8583 demo`). Each error names the flag or the
 * config key concerned, never a field value. The flow file's codes are in `FLOW_ERROR_CODES` (flow/errors.ts).
 */
export const GATEWAY_ERROR_CODES = {
  ISO8583_ERR_GATEWAY_CONFIG: 'A gateway configuration (JSON file or flags) that breaks the schema, or whose log file or journal folder cannot be made or written, or a file in that folder the start opens cannot be opened (`--log-file`, `--reversal-journal`: the text names the file and the system\'s reason); `problems` lists every offending key.',
  ISO8583_ERR_NOT_REVERSED: 'A graceful stop of `iso8583 gateway` or of a flow (`iso8583 run`) during which an approval its client never got could not be reversed: its reversal could be neither stored nor sent (each logged at `error` with `NOT reversed`), or could not be built, or was still under way when the stop ended. The stop fails (exit 1); reverse those by hand.',
} as const;

/** A stable error code of the gateway. */
export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_CODES;

declare module '@iso8583/codec' {
  /** The codes of the gateway and of the command itself are codes of `Iso8583Error`. */
  interface Iso8583ErrorCodes {
    /** {@link GATEWAY_ERROR_CODES}. */
    gateway: GatewayErrorCode;
    /** `CLI_ERROR_CODES` (args.ts). */
    cli: CliErrorCode;
  }
}

/** Makes a coded gateway error; `problems` (keys and reasons only) are appended to the text. */
export function gatewayError(code: GatewayErrorCode, message: string, context: ProblemsContext = {}): Iso8583Error {
  return problemsError(code, message, context);
}
