import { Iso8583Error } from '@iso8583/codec';
import type { FieldProblem } from '@iso8583/codec';
import type { CliErrorCode } from '../args.js';

/**
 * Error codes of the gateway, `run` and `demo` commands. Each error names the flag, the config key or the path in the
 * flow file concerned, never a field value.
 */
export const GATEWAY_ERROR_CODES = {
  ISO8583_ERR_GATEWAY_CONFIG: 'A gateway configuration (JSON file or flags) that breaks the schema; `problems` lists every offending key.',
  ISO8583_ERR_FLOW_FILE: 'A flow file that cannot be read or is not JSON.',
  ISO8583_ERR_FLOW_INVALID: 'A flow file that breaks the flow schema; `problems` lists every offending JSON path.',
  ISO8583_ERR_FLOW_MODULE: 'A sequence module of a flow file that cannot be loaded or does not export a function.',
} as const;

/** A stable error code of the gateway and flow runner. */
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

/** Makes a coded error; `problems` (paths and reasons only) are appended to the text. */
export function gatewayError(
  code: GatewayErrorCode,
  message: string,
  context: { field?: string; problems?: FieldProblem[]; cause?: unknown } = {},
): Iso8583Error {
  let text = message;
  if (context.problems && context.problems.length > 0) {
    text += ':\n' + context.problems.map((p) => `  ${p.field}: ${p.reason}`).join('\n');
  }
  return new Iso8583Error(code, text, context);
}
