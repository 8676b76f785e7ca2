// A listener whose address does not resolve (`ENOTFOUND`, `EAI_AGAIN`) or is not this machine's (`EADDRNOTAVAIL`) is
// refused naming the flag (or flow file path) of the address, never the port: `simulate-host --host nohost.invalid`
// named --port, `gateway --bind nohost.invalid` named --listen, a flow endpoint's bad "host" named its "port". A port
// in use still names the port. Real processes, real listeners on 127.0.0.1; `.invalid` never resolves (RFC 6761),
// 192.0.2.1 (TEST-NET-1) is no address of this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';
import { listenError } from '../src/args.js';

function folder(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'listen-address-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('simulate-host: an address that does not resolve, or is not this machine\'s, names --host', async () => {
  const none = await runCli(['simulate-host', '--host', 'nohost.invalid', '--port', '0']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^iso8583: ISO8583_ERR_CLI_LISTEN: --host: cannot listen on nohost\.invalid:0 \((ENOTFOUND|EAI_AGAIN): the address does not resolve\)\n$/);
  const foreign = await runCli(['simulate-host', '--host', '192.0.2.1', '--port', '0']);
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /^iso8583: ISO8583_ERR_CLI_LISTEN: --host: cannot listen on 192\.0\.2\.1:0 \(EADDRNOTAVAIL: not an address of this machine\)\n$/);
});

test('simulate-host: a port in use still names --port', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const r = await runCli(['simulate-host', '--host', '127.0.0.1', '--port', String(port)]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^iso8583: ISO8583_ERR_CLI_LISTEN: --port: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)\\n$`));
});

test('gateway: --bind and --http-bind that do not resolve are named, not --listen or --http', async (t) => {
  const dir = folder(t);
  const base = ['gateway', '--upstream', '127.0.0.1:5000', '--listen', '0', '--http', '0', '--reversal-journal', join(dir, 'j')];
  const bind = await runCli([...base, '--bind', 'nohost.invalid']);
  assert.equal(bind.code, 1);
  assert.match(bind.stderr, /ISO8583_ERR_CLI_LISTEN: --bind: cannot listen on nohost\.invalid:0 \((ENOTFOUND|EAI_AGAIN): the address does not resolve\)\n$/);
  const http = await runCli([...base, '--http-bind', 'nohost.invalid']);
  assert.equal(http.code, 1);
  assert.match(http.stderr, /ISO8583_ERR_CLI_LISTEN: --http-bind: cannot listen on nohost\.invalid:0 \((ENOTFOUND|EAI_AGAIN): the address does not resolve\)\n$/);
});

test('run: an endpoint "host" that does not resolve names /inboundEndpoints/NAME/host', async (t) => {
  const file = join(folder(t), 'flow.json');
  writeFileSync(file, JSON.stringify({ inboundEndpoints: { pos: { port: 0, host: 'nohost.invalid', sequence: 'host-simulator' } } }));
  const r = await runCli(['run', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ISO8583_ERR_CLI_LISTEN: \/inboundEndpoints\/pos\/host: cannot listen on nohost\.invalid:0 \((ENOTFOUND|EAI_AGAIN): the address does not resolve\)\n$/);
});

test('listenError – the address flag goes with the port flag, or is given; other reasons keep the port flag', () => {
  const wrapped = (code: string): Error => Object.assign(new Error('listen failed'), { code: 'ISO8583_ERR_INBOUND_LISTEN', cause: { code } });
  const field = (err: Error): unknown => (err as { field?: unknown }).field;
  assert.equal(field(listenError(wrapped('EAI_AGAIN'), '--listen', 'h', 1)), '--bind');
  assert.equal(field(listenError(wrapped('ENOTFOUND'), '--metrics', 'h', 1)), '--metrics-host');
  assert.equal(field(listenError(wrapped('ENOTFOUND'), '/http/port', 'h', 1)), '/http/host');
  assert.equal(field(listenError(wrapped('EADDRNOTAVAIL'), '--http', 'h', 1, '--bind')), '--bind');
  assert.equal(field(listenError(wrapped('EADDRINUSE'), '--listen', 'h', 1)), '--listen');
  assert.equal(field(listenError(wrapped('EACCES'), '/inboundEndpoints/pos/port', 'h', 1)), '/inboundEndpoints/pos/port');
});
