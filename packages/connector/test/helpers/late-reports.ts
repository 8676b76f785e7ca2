/**
 * The bank's answers a connector reports as `late-response` and `unsolicited`, in order of coming, for the late-key
 * tests: `reported(n, what)` resolves once `n` were reported in all (an event, no sleep).
 */
import type { IsoMessage } from '@iso8583/codec';
import { eventWithin } from '@iso8583/test-support';
import type { Connector } from '../../src/connector.js';

/** What {@link lateReports} gives. */
export interface LateReports {
  readonly late: IsoMessage[];
  readonly unsolicited: IsoMessage[];
  /** Resolves once `n` answers were reported, late and unsolicited together (within 10 s, else rejects naming `what`). */
  reported(n: number, what: string): Promise<void>;
}

/** Listens to `connector`'s `late-response` and `unsolicited` events (see the file's note). */
export function lateReports(connector: Pick<Connector, 'on'>): LateReports {
  const late: IsoMessage[] = [];
  const unsolicited: IsoMessage[] = [];
  let seen: () => void = () => undefined;
  connector.on('late-response', (m) => (late.push(m), seen()));
  connector.on('unsolicited', (m) => (unsolicited.push(m), seen()));
  return {
    late,
    unsolicited,
    reported: (n, what) =>
      eventWithin(10_000, what, (resolve) => {
        seen = () => {
          if (late.length + unsolicited.length >= n) resolve(undefined);
        };
        seen();
      }),
  };
}
