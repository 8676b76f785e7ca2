// A bank for the tests of the undelivered-approval handler (late-approval.ts): real endpoint, real connector.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IsoMessage } from '@iso8583/codec';
import { FileJournal, createConnector } from '@iso8583/connector';
import type { Connector, ConnectorOptions, ReversalJournal } from '@iso8583/connector';
import { createInboundEndpoint, responseMti } from '@iso8583/inbound';

/**
 * A bank endpoint on 127.0.0.1 that approves every request, and a connector to it with reversal on, its journal in a
 * temporary folder (`journalOf` makes it; a {@link FileJournal} by default). `reversed` resolves with the first 0400
 * the bank gets; it answers reversals with `reversalCode` (default `00`: accepted; `05`: a declined reversal). The
 * connector, the bank and the folder go after the test. `more`: further options of the connector (its `name`, `logger`).
 */
export async function reversingBank(
  t: { after: (fn: () => Promise<void>) => void },
  journalOf: (dir: string) => ReversalJournal = (dir) => new FileJournal(dir),
  reversalCode = '00',
  more: Pick<ConnectorOptions, 'name' | 'logger'> = {},
): Promise<{ upstream: Connector; reversed: Promise<IsoMessage> }> {
  let reversal: (m: IsoMessage) => void = () => undefined;
  const reversed = new Promise<IsoMessage>((resolve) => (reversal = resolve));
  const bank = createInboundEndpoint({
    port: 0,
    host: '127.0.0.1',
    sequence: (m) => {
      if (m.mti === '0400') reversal(m.fields);
      return { ...m.fields, 0: responseMti(m.mti), 39: m.mti === '0400' ? reversalCode : '00' };
    },
  });
  const { port } = await bank.start();
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-reversing-bank-'));
  const upstream = createConnector({ ...more, host: '127.0.0.1', port, reversal: { enabled: true, journal: journalOf(dir) } });
  t.after(async () => {
    await upstream.destroy();
    await bank.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  return { upstream, reversed };
}
