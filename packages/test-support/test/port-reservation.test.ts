// A reserved port: below the ports the system hands out, and never the port of another process's reservation.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ephemeralPorts, reservablePorts, reservePort } from '../src/port-reservation.js';

test('reservePort: a port below the system\'s range, its file naming this pid until released', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'iso8583-ports-test-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const [low] = ephemeralPorts();
  const r = await reservePort(folder);
  assert.ok(r.port < low, `port ${r.port} is below the system's range (from ${low})`);
  assert.equal(readFileSync(join(folder, String(r.port)), 'utf8'), `${process.pid}\n`);
  r.release();
  r.release();
  assert.equal(existsSync(join(folder, String(r.port))), false);
});

test('reservePort: the one port no other reservation holds, whichever it starts from', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'iso8583-ports-test-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const [first, end] = reservablePorts();
  const free = first + Math.floor((end - first) / 2);
  for (let port = first; port < end; port++) if (port !== free) writeFileSync(join(folder, String(port)), '1\n');
  const r = await reservePort(folder);
  t.after(() => r.release());
  assert.equal(r.port, free);
  // Every one taken now: it says so instead of sharing one.
  await assert.rejects(reservePort(folder), /every port from \d+ to \d+ is reserved or listened on/);
});
