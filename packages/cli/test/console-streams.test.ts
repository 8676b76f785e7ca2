// The console's event streams share one query of the transaction log per tick, however many are open; a workbench
// send that fails keeps its `field` and `problems`; the console's API refuses a cross-site request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDialect } from '@iso8583/codec';
import { FileTransactionLog } from '@iso8583/connector';
import type { Connector } from '@iso8583/connector';
import { TransactionRing } from '../src/index.js';
import { assembleHttp } from '../src/http/app.js';

test('console – event streams share one transaction log query per tick; failures keep field and problems; cross-site sends are 403', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-streams-'));
  // A host that takes the connection and answers nothing (the workbench's send fails before it is sent).
  const sockets = new Set<Socket>();
  const host = createServer((s) => sockets.add(s.on('error', () => undefined)));
  await new Promise<void>((r) => host.listen(0, '127.0.0.1', r));
  const log = new FileTransactionLog(dir, { flushDelay: 0 });
  let queries = 0;
  const query = log.query.bind(log);
  log.query = (q) => {
    queries += 1;
    return query(q);
  };
  const ring = new TransactionRing({ approvals: resolveDialect('iso87ascii') });
  let connectors: Record<string, Connector> = {};
  const http = await assembleHttp({
    connectors: { bank: { host: '127.0.0.1', port: (host.address() as { port: number }).port, transactionLog: log, reversal: { enabled: false } } },
    console: { ring, source: { connectors: () => connectors }, send: true, targets: () => ({ bank: connectors.bank as Connector }) },
  });
  connectors = http.connectors;
  const { port } = await http.listen('127.0.0.1', 0, '--http');
  const open: IncomingMessage[] = [];
  t.after(async () => {
    for (const res of open) res.destroy();
    for (const s of sockets) s.destroy();
    await http.app.close();
    host.close();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // Ten streams, each until it has seen three ticks of figures.
  const streams = Array.from({ length: 10 }, () => new Promise<void>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/console/events' }, (res) => {
      open.push(res);
      let figures = 0;
      res.setEncoding('utf8').on('data', (chunk: string) => {
        figures += chunk.split('event: figures').length - 1;
        if (figures >= 3) resolve();
      });
    }).on('error', reject);
  }));
  const before = queries;
  await Promise.all(streams);
  // Three ticks (and the streams' first pushes, shared with the tick they fell in): a handful, not ten a tick.
  assert.ok(queries - before <= 6, `${queries - before} queries for 10 streams over 3 ticks`);

  const send = (headers: Record<string, string>, body: unknown) =>
    fetch(`http://127.0.0.1:${port}/console/api/send`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const bad = await send({}, { message: { '0': '0200', '2': '476173900101001X', '11': '000001' } });
  assert.equal(bad.status, 400);
  const error = ((await bad.json()) as { error: { code: string; problems?: { field: string }[] } }).error;
  assert.equal(error.code, 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(error.problems?.map((p) => p.field), ['2']);
  const proto = await fetch(`http://127.0.0.1:${port}/console/api/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"__proto__":{"hex":"00"}}' });
  assert.equal(proto.status, 400);
  assert.match(((await proto.json()) as { error: { message: string } }).error.message, /"__proto__"/);
  const cross = await send({ origin: 'http://evil.example' }, { message: { '0': '0800', '11': '000002', '70': '301' } });
  assert.equal(cross.status, 403);
});
