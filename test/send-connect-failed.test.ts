/**
 * `iso8583 send` to a port nothing listens on, with the real binary: the error names the address it tried and the
 * flags that set it (`--host, --port: cannot connect to 127.0.0.1:PORT (ECONNREFUSED)`), as a connection not made in
 * time names `--timeout`. It said "cannot connect to the host (ECONNREFUSED)": a wrong port, and nothing to check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { BIN } from './helpers/cli.js';

test('send to a refused port names --host, --port and the address', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const run = spawnSync(process.execPath, [BIN, 'send', '--host', '127.0.0.1', '--port', String(port)], {
    input: '{"0":"0800","11":"000001","70":"301"}', encoding: 'utf8', timeout: 30_000,
  });
  assert.equal(run.status, 1, run.stderr);
  assert.equal(run.stderr.trim(), `iso8583: ISO8583_ERR_CONNECTOR_CONNECT_FAILED: --host, --port: cannot connect to 127.0.0.1:${port} (ECONNREFUSED)`);
});
