/** A local port nobody listens on, for a connector whose every attempt must wait for a connection. */
import { createServer } from 'node:net';

/** A local port with no listener (taken, then given back). */
export async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
