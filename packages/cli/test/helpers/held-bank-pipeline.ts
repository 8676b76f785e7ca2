// The gateway's HTTP port stopped while purchases pipelined on one raw connection are held at a real bank endpoint:
// shared by gateway-http-stop-pipelined and gateway-http-stop-refusal.
import type { TestContext } from 'node:test';
import { connect } from 'node:net';
import { createInboundEndpoint } from '@iso8583/inbound';
import { startGateway } from './gateway-process.js';
import type { GatewayPorts } from './gateway-process.js';

/** The test card number the purchases carry (checked absent from the log). */
export const PAN = '4111111111111111';

/** One purchase as a pipelined `POST /` to the HTTP port `port`. */
export function pipelinedPurchase(port: number, stan: string, terminal: string): string {
  const body = JSON.stringify({ '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '7': '1207030000', '11': stan, '41': terminal, '49': '840' });
  return `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** A gateway whose bank holds every purchase until {@link HeldBankPipeline.release}, and a client connection to its HTTP port. */
export interface HeldBankPipeline {
  /** The gateway. */
  readonly ports: GatewayPorts;
  /** The HTTP port. */
  readonly http: number;
  /** Purchases at the bank so far. */
  atBank(): number;
  /** Lets the bank approve every purchase it holds and those to come. */
  release(): void;
  /** Writes on the client's connection. */
  write(data: string): void;
  /** What the client has read so far (latin1). */
  got(): string;
  /** Settles when the client's connection closes. */
  readonly closed: Promise<unknown>;
}

/** Starts the bank, the gateway (journal off, 20 s stop deadline) and the client's connection; all undone after `t`. */
export async function heldBankPipeline(t: TestContext): Promise<HeldBankPipeline> {
  let atBank = 0;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  t.after(() => release());
  const endpoint = createInboundEndpoint({
    port: 0, host: '127.0.0.1', dialect: 'iso87ascii',
    sequence: async (m) => {
      atBank++;
      await held;
      return { ...m.fields, '0': '0210', '38': 'A00001', '39': '00' };
    },
  });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const ports = await startGateway(t, ['--upstream', `127.0.0.1:${port}`, '--listen', '0', '--bind', '127.0.0.1', '--http', '0',
    '--no-transaction-log', '--shutdown-deadline', '20000', '--log-level', 'info']);
  const http = ports.http!;
  const socket = connect(http, '127.0.0.1');
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  return { ports, http, atBank: () => atBank, release: () => release(), write: (data) => socket.write(data), got: () => got, closed };
}
