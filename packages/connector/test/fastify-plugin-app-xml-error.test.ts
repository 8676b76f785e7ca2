// A body the application's own XML parser refuses on the plugin's routes is the routes' to answer: 400
// ISO8583_ERR_CONNECTOR_INPUT "the request cannot be read" in the routes' shape, never the parser's message (it quotes
// the body: card data). Was: the parser's error was re-thrown to the application's error handler, which answered and
// logged its message, the PAN in it. Real server on 127.0.0.1, real HTTP requests, the app's real logger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { iso8583Connector } from '../src/index.js';

const PAN = '4111111111111111';

for (const answers of ['plain', 'socketqueue'] as const) {
  test(`the app's own XML parser's error answers in the routes' shape, no card data in the answer or the log (${answers})`, async (t) => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const app = Fastify({ logger: { level: 'trace', stream } });
    app.addContentTypeParser('application/xml', { parseAs: 'string' }, (_req, body, done) => {
      done(Object.assign(new Error(`cannot parse XML near: ${String(body)}`), { statusCode: 400 }), undefined);
    });
    await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: 1, routes: { prefix: '/bank', answers } });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    t.after(() => app.close());
    const res = await fetch(`${base}/bank`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: `<isomsg><field id="2" value="${PAN}"/><bad` });
    const text = await res.text();
    assert.equal(res.status, 400);
    assert.ok(!text.includes(PAN), `no PAN in the answer: ${text}`);
    assert.ok(!lines.join('').includes(PAN), 'no PAN in the log');
    const body = JSON.parse(text) as Record<string, unknown>;
    if (answers === 'plain') {
      assert.equal(body.result, null);
      const errors = body.errors as { code: string; message: string }[];
      assert.equal(errors[0]?.code, 'ISO8583_ERR_CONNECTOR_INPUT');
      assert.match(errors[0]?.message ?? '', /the request cannot be read/);
    } else {
      // SocketQueue's shape (socketqueue-errors.ts): an empty result and the errors' texts.
      assert.deepEqual(body, { result: '', errors: ['the request cannot be read'] });
    }
  });
}
