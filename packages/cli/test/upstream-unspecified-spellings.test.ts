// The unspecified address in every spelling a connection reads as it (review48g: `[0:0:0:0:0:ffff:0:0]:P`,
// `[::0:ffff:0:0]:P`, `[0::ffff:0:0]:P` passed `--check-config`, and `--upstream-host ::ffff:0:0` was taken though
// `--upstream [::ffff:0:0]:P` was refused; Node connected each to the loopback address). The two patterns, the whole
// address's and SocketQueue's host half, refuse the same hosts; the real binary's refusals are in
// gateway-upstream-unspecified and gateway-upstream-host-unspecified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOST_PORT, UPSTREAM_HOST } from '../src/gateway/upstreams.js';

const UNSPECIFIED = ['0.0.0.0', '0', '0.0', '0x0.0', '000.0.0.0', '::', '0:0::0', '0:0:0:0:0:0:0:0', '::0.0.0.0', '::ffff:0.0.0.0',
  '::ffff:0:0', '::FFFF:0:0', '0:0:0:0:0:ffff:0:0', '0:0:0:0:0:ffff:0.0.0.0', '::0:ffff:0:0', '0::ffff:0:0'];
const ADDRESSES = ['127.0.0.1', '10.0.0.0', '0.0.0.1', '::1', '::ffff:127.0.0.1', '::ffff:0', '1::ffff:0:0', 'ffff::', 'bank.example', '0a.example'];

test('gateway upstreams: the unspecified address is refused in every spelling, by both patterns alike', () => {
  const address = new RegExp(HOST_PORT);
  const host = new RegExp(UPSTREAM_HOST);
  const bracketed = (h: string): string => (h.includes(':') ? `[${h}]` : h);
  for (const h of UNSPECIFIED) {
    assert.equal(address.test(`${bracketed(h)}:9000`), false, `--upstream ${bracketed(h)}:9000`);
    assert.equal(host.test(h), false, `--upstream-host ${h}`);
  }
  for (const h of ADDRESSES) {
    assert.equal(address.test(`${bracketed(h)}:9000`), true, `--upstream ${bracketed(h)}:9000`);
    assert.equal(host.test(h), true, `--upstream-host ${h}`);
  }
});
