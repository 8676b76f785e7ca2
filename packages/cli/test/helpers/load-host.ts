// A host on a real socket for the `iso8583 load` tests: binary2 frames, iso87ascii, each request handed to the test.
import net from 'node:net';
import { createCodec, encodeFrame } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';

/** The codec of the load tests' host (the load command's default dialect). */
export const loadCodec = createCodec('iso87ascii');
/** The framing of the load tests' host (the load command's default). */
export const LOAD_FRAMING = { lengthHeader: 'binary2' } as const;

/**
 * Starts a host on 127.0.0.1 (port 0) that calls `onRequest` with each request, its bytes and its socket; the test
 * writes whatever it likes. After the test its connections are cut and it is closed. Resolves with its port.
 */
export async function loadHost(
  t: { after: (fn: () => Promise<void>) => void },
  onRequest: (request: IsoMessage, payload: Buffer, socket: net.Socket) => void,
): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    let buffered = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const payload = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + payload.length);
        onRequest(loadCodec.decode(payload).message, payload, socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

/** The 0210 answer to `request` (its fields 4, 11 and 41 echoed) with response code `code` (default 00), framed. */
export function answerFrame(request: IsoMessage, code = '00'): Buffer {
  const reply: IsoMessage = { '0': '0210', '11': request['11'] as string, '39': code, '41': request['41'] as string };
  if (request['4'] !== undefined) reply['4'] = request['4'] as string;
  return encodeFrame(loadCodec.pack(reply), LOAD_FRAMING);
}
