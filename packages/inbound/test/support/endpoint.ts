// Starts an endpoint on 127.0.0.1 port 0 for one test and closes it after.
import type { TestContext } from 'node:test';
import type { MessageInput } from '@iso8583/codec';
import { createInboundEndpoint, responseMti } from '../../src/index.js';
import type { InboundEndpoint, InboundMessage, InboundOptions, Sequence } from '../../src/index.js';

export async function startEndpoint(
  t: TestContext,
  options: Partial<InboundOptions> & Pick<InboundOptions, 'sequence'>,
): Promise<{ endpoint: InboundEndpoint; port: number }> {
  const endpoint = createInboundEndpoint({ port: 0, ...options });
  const address = await endpoint.start();
  t.after(() => endpoint.close({ deadline: 2000 }));
  return { endpoint, port: address.port };
}

/** Answers every request with its fields, the response MTI and 39 = 00. */
export const approveAll: Sequence = (message: InboundMessage) => {
  const mti = responseMti(message.mti);
  if (mti === undefined) return undefined;
  const reply: MessageInput = { ...message.fields, 0: mti, 39: '00' };
  delete reply['35'];
  delete reply['52'];
  return reply;
};
