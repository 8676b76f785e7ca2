/**
 * The real `iso8583 gateway` with `--http-max-held-back`: clients that pipeline `GET /stats` and never read their
 * answers are closed once the requests held back across the HTTP port pass the budget, logged at `warn` with
 * `ISO8583_ERR_CONSOLE_HELD_BACK` naming the option; an honest client is answered throughout.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { rawHttp, readUntil, within } from '@iso8583/test-support';
import { startGateway, startSimulator, stopAll } from './helpers/cli.js';

const DEADLINE = 30_000;

after(async () => {
  await stopAll();
});

test('gateway: non-readers pipelining past --http-max-held-back are closed with a coded warn line naming it; an honest client is served', async () => {
  const bank = await startSimulator();
  const gw = await startGateway(['--upstream', `${bank.host}:${bank.port}`, '--http-max-held-back', '300', '--log-level', 'warn']);
  const { host, port } = gw.http;
  const clients: Socket[] = [];
  try {
    const request = `GET /stats HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`;
    for (let i = 0; i < 2; i++) {
      const s = connect({ port, host });
      s.pause(); // never reads a byte
      s.on('error', () => undefined);
      clients.push(s);
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      s.write(request.repeat(20_000));
    }
    const line = await within(new Promise<string>((resolve) => {
      const look = (): void => {
        const found = gw.process.stderr().split('\n').find((l) => l.includes('"ISO8583_ERR_CONSOLE_HELD_BACK"'));
        if (found !== undefined) resolve(found);
      };
      gw.process.child.stderr?.on('data', look);
      look();
    }), DEADLINE, `no ISO8583_ERR_CONSOLE_HELD_BACK line: ${gw.process.stderr().slice(-1500)}`);
    const logged = JSON.parse(line) as Record<string, unknown>;
    assert.equal(logged.option, '--http-max-held-back');
    assert.equal(logged.max, 300);
    assert.ok((logged.heldBack as number) > 0 && (logged.total as number) > 300, line);
    const honest = rawHttp(port, host);
    clients.push(honest.socket);
    honest.socket.write(request);
    await within(readUntil(honest, /^HTTP\/1\.1 200 /), DEADLINE, 'the honest client was not answered');
  } finally {
    for (const s of clients) s.destroy();
  }
});
