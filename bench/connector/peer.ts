// The responding host of the connector benchmark, run in its own process. Modes:
// - echo:  writes every frame back as it came (the bare framed echo: the practical limit of the sockets and framing);
// - patch: writes every frame back with its MTI turned into the response MTI (0200 -> 0210): the cheapest real host;
// - codec: unpacks each request and packs a full response (fields echoed, 38 and 39 added), as a simple bank would;
// - inbound: the inbound endpoint of @iso8583/inbound with its host simulator sequence (the design's end-to-end path:
//   connector -> socket -> inbound endpoint -> simulator -> back).
// Prints the port it listens on, then serves until its parent ends it.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MessageStream, createCodec, encodeFrame } from '@iso8583/codec';
import type { FramingOptions, IsoMessage } from '@iso8583/codec';
import { createInboundEndpoint } from '@iso8583/inbound';

const mode = process.argv[2] ?? 'patch';
const framing: FramingOptions = { lengthHeader: 'binary2' };
const codec = createCodec('iso87ascii');

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => undefined);
  // The stream joins the replies written in one tick into one socket write.
  const stream = new MessageStream(socket, { framing, codec }, {
    frame: (f) => {
      if (mode === 'echo') {
        stream.write(encodeFrame(f.payload, framing));
      } else if (mode === 'patch') {
        const payload = Buffer.from(f.payload);
        payload[2] = (payload[2] as number) + 1; // third MTI digit (ASCII): request -> response
        stream.write(encodeFrame(payload, framing));
      } else {
        const request = stream.decode(f).message;
        const mti = request['0'] as string;
        const response: IsoMessage = { ...request, '0': mti.slice(0, 2) + String(Number(mti[2]) + 1) + mti[3], '38': '123456', '39': '00' };
        delete response['35'];
        delete response['52'];
        delete response['55'];
        stream.send(response);
      }
    },
  });
});
if (mode === 'inbound') {
  const endpoint = createInboundEndpoint({ port: 0, sequence: 'host-simulator', maxInFlightPerConnection: 256 });
  const address = await endpoint.start();
  process.stdout.write(`${address.port}\n`);
} else {
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
}
process.on('disconnect', () => process.exit(0));
