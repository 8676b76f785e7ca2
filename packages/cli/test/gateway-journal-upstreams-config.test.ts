// The gateway's journal markers are read from the config as the start places them (journalDirOf, the link's own
// host:port): no connector options rebuilt for them (no TLS file read, no logger made), each link its own address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { recordingUpstream, refuseOtherUpstreams } from '../src/gateway/journal-upstreams.js';
import { folder } from './helpers/owed-journal.js';

test('each link of a group records its own host:port in its own folder; its TLS files are not read for it', (t) => {
  const dir = folder(t, 'gateway-markers');
  const base = parseGatewayArgs(['--upstream', '127.0.0.1:9', '--reversal-journal', dir]).config;
  const missing = join(dir, 'no-such-ca.pem');
  const config = { ...base, upstreams: [{ name: 'a', upstream: '127.0.0.1:9' }, { name: 'b', upstream: '127.0.0.2:10', tlsCa: missing }] };
  refuseOtherUpstreams(config);
  for (const named of config.upstreams) recordingUpstream(config, named).beforeConnect?.();
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'a', 'upstream.json'), 'utf8')), { upstream: '127.0.0.1:9', by: 'gateway' });
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'b', 'upstream.json'), 'utf8')), { upstream: '127.0.0.2:10', by: 'gateway' });
});
