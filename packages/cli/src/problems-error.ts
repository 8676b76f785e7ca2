import { Iso8583Error } from '@iso8583/codec';
import type { FieldProblem, Iso8583ErrorCode } from '@iso8583/codec';

/** Context of {@link problemsError}: the flag, key or path concerned, every offending one, the cause. */
export interface ProblemsContext {
  /** The flag, config key or JSON path concerned. */
  field?: string;
  /** Every offending key or path, with its reason (never a value). */
  problems?: FieldProblem[];
  /** The underlying error. */
  cause?: unknown;
}

/** A coded error whose `problems` (paths and reasons only) are appended to the text, one per line. */
export function problemsError(code: Iso8583ErrorCode, message: string, context: ProblemsContext = {}): Iso8583Error {
  let text = message;
  if (context.problems && context.problems.length > 0) {
    text += ':\n' + context.problems.map((p) => `  ${p.field}: ${p.reason}`).join('\n');
  }
  return new Iso8583Error(code, text, context);
}
