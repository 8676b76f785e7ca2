/**
 * Whether the POS clients' dialect can carry an upstream's approvals. The gateway relays field 39 as the bank sent it
 * (it translates fields' encodings between dialects, not their values), so an approval code that the client dialect's
 * field 39 cannot hold (SmartVista's 3-digit `000` in an `an 2` field) never reaches a terminal: the reply cannot be
 * packed, the terminal gets a 96, and the approval is reversed (`reply-invalid`). Such a pairing is warned of, at
 * start and by `--check-config`, rather than refused: no money is lost (each such approval is reversed), and a dialect
 * may list approval codes its bank never sends.
 */
import { approvalCodesOf, createCodec } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';

/** An upstream's name and dialect. */
export interface UpstreamDialect {
  readonly name: string;
  readonly dialect: Dialect;
}

/** The approval codes of `upstream` (its `approvalCodes`) that the `client` dialect's field 39 cannot carry. */
export function approvalsUncarried(upstream: Dialect, client: Dialect): string[] {
  const codec = createCodec(client);
  return approvalCodesOf(upstream).filter((code) => {
    try {
      codec.pack({ 0: '0210', 39: code });
      return false;
    } catch {
      return true;
    }
  });
}

/** One warning line for each upstream some of whose approval codes the POS clients' dialect cannot carry. */
export function approvalFitWarnings(upstreams: readonly UpstreamDialect[], client: Dialect): string[] {
  const lines: string[] = [];
  for (const { name, dialect } of upstreams) {
    const codes = approvalsUncarried(dialect, client);
    if (codes.length === 0) continue;
    lines.push(
      `the POS dialect's field 39 cannot carry approval code${codes.length > 1 ? 's' : ''} ${codes.join(', ')} of upstream ${name}: ` +
        'such an approval is answered 96 to the terminal and reversed',
    );
  }
  return lines;
}
