// The inbound framing options checked together at creation (options.ts runs it once each passed the schema).
import { checkFraming } from '@iso8583/codec';
import type { FieldProblem, LengthHeader } from '@iso8583/codec';

/**
 * The framing options together, as the codec's framing takes them (each passed the schema): a `maxFrameSize` that
 * leaves no room for a message after `headerBytes` (or after what the length header can carry) is found here, at
 * creation, not by the first connection (whose framing would throw in the listener).
 */
export function framingProblem(copy: Record<string, unknown>, code: string): FieldProblem | undefined {
  const headerBytes = copy.headerBytes as number;
  try {
    checkFraming({
      lengthHeader: copy.frame as LengthHeader,
      lengthIncludesHeader: copy.lengthIncludesHeader as boolean,
      headerBytes,
      lengthExcludesHeaderBytes: copy.lengthExcludesHeaderBytes as boolean,
      maxFrameSize: copy.maxFrameSize as number,
    });
    return undefined;
  } catch {
    // Each option passed the schema: only their sum can be refused, by maxFrameSize.
    return { field: 'maxFrameSize', code, reason: `must be more than headerBytes, ${headerBytes}: no room is left for a message after the fixed header bytes` };
  }
}
