/**
 * A forwarding sequence (the ESB mediation model): the message arrives as `ISOMessage` XML, goes to the bank through
 * the flow's `bank` connector with `sendMessage` (XML in, XML out), and the bank's XML answer is the reply. The
 * request carries the context's `signal`: a sequence that times out leaves no purchase at the bank that its terminal
 * was told failed (it is reversed, and the terminal is told 68 by the onError sequence).
 *
 * In a flow file: `"sequence": "../dist/sequences/forward.js"` (paths are relative to the flow file; the examples
 * are TypeScript compiled to `examples/dist`).
 */
import type { Connector } from '@iso8583/connector';
import type { InboundMessage, SequenceContext } from '@iso8583/inbound';

export default async function forward(message: InboundMessage, context: SequenceContext): Promise<string> {
  const bank = context.connectors.bank as Connector | undefined;
  if (bank === undefined) throw new Error('this sequence needs a connector named "bank" in the flow');
  // Log what is safe to log: MTI, STAN, terminal. Never the PAN or track data.
  context.logger.info({ mti: message.mti, stan: message.fields['11'], terminal: message.fields['41'] }, 'forwarding to the bank');
  // The endpoint's `sequenceTimeout` aborts `context.signal` once the terminal has been answered (by onError): the
  // purchase is then never written, or, written, no longer waited for and reversed as after a timeout; and the timeout
  // error onError is given says whether it may be at the bank (onError answers 68, not 96).
  return bank.sendMessage(message.xml, { signal: context.signal });
}
