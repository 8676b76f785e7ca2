// Run as a child process (`node simulator-close.js DELAY`): a host simulator answering after DELAY ms behind an
// endpoint on 127.0.0.1, one purchase sent and in flight, then the endpoint closed with a short deadline. Prints
// `closed` once close() has resolved, then leaves the process to end on its own: it ends only when nothing holds it
// open (a simulator's timer waiting out the delay would).
import { waitUntil } from '@iso8583/test-support';
import { createHostSimulator, createInboundEndpoint } from '../../src/index.js';
import { TestClient, purchase } from './client.js';

const delay = Number(process.argv[2]);
if (!(delay > 0)) throw new Error('usage: node simulator-close.js DELAY');
const endpoint = createInboundEndpoint({ name: 'bank', port: 0, sequence: createHostSimulator({ delay }), sequenceTimeout: delay * 2 });
const { port } = await endpoint.start();
const client = await TestClient.connect(port);
client.send(purchase(1));
await waitUntil(() => endpoint.stats().inFlight === 1, { what: 'the purchase in flight' });
await endpoint.close({ deadline: 200 });
client.destroy();
process.stdout.write('closed\n');
