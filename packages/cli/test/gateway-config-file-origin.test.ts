// A problem of keys the gateway read from its config file names the file and the key, not a flag the operator never
// gave (`iso8583 gateway --config FILE --check-config`, the real binary): the gateway's reconnect backoff out of order,
// an upstream name given twice or reserved, a route to no upstream, a TLS certificate without its key. The same
// problems given by flags still name the flag.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process.js';

function configFile(t: { after: (fn: () => void) => void }, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-gateway-origin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

/** The check's stderr, once it failed (exit 1, nothing on stdout, no stack). */
async function refused(args: string[]): Promise<string> {
  const r = await runCli(['gateway', ...args, '--check-config']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack');
  return r.stderr;
}

const quote = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('errors about config-file keys name the file and key (each test its own files and process: side by side)', { concurrency: true }, () => {
  test('config file: the gateway\'s reconnectDelay longer than its reconnectMaxDelay names the file and key, not --reconnect-delay', async (t) => {
    const file = configFile(t, { upstream: '127.0.0.1:9', reconnectDelay: 5000, reconnectMaxDelay: 1000 });
    const stderr = await refused(['--config', file]);
    assert.match(stderr, new RegExp(`^iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${quote(file)}: reconnectDelay 5000 is longer than reconnectMaxDelay 1000`));
    assert.doesNotMatch(stderr, /--reconnect/);
    // Given by a flag, the flag is named.
    const flagged = await refused(['--config', file, '--reconnect-delay', '3000', '--reconnect-max-delay', '2000']);
    assert.match(flagged, /^iso8583: ISO8583_ERR_CLI_OPTION: --reconnect-delay 3000 is longer than --reconnect-max-delay 2000/);
    assert.doesNotMatch(flagged, /config file/);
  });

  test('config file and flag: the gateway\'s reconnect order problem names each value where it came from, the file\'s key in the file\'s words', async (t) => {
    // The first wait from the file, the longest from a flag: the file and its key, and the flag.
    const delay = configFile(t, { upstream: '127.0.0.1:9', reconnectDelay: 5000 });
    const first = await refused(['--config', delay, '--reconnect-max-delay', '2000']);
    assert.match(first, new RegExp(`^iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${quote(delay)}: reconnectDelay 5000 is longer than --reconnect-max-delay 2000: `));
    assert.doesNotMatch(first, /--reconnect-delay/);
    // The other way round: the longest from the file, the first wait from a flag.
    const max = configFile(t, { upstream: '127.0.0.1:9', reconnectMaxDelay: 1000 });
    const second = await refused(['--config', max, '--reconnect-delay', '3000']);
    assert.match(second, new RegExp(`^iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${quote(max)}: reconnectMaxDelay 1000 is shorter than --reconnect-delay 3000: `));
    assert.doesNotMatch(second, /--reconnect-max-delay/);
    // The longest from the file, the first wait the default: not a key the file gave.
    const low = configFile(t, { upstream: '127.0.0.1:9', reconnectMaxDelay: 50 });
    assert.match(await refused(['--config', low]), new RegExp(`^iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${quote(low)}: reconnectMaxDelay 50 is shorter than the default reconnectDelay 100: `));
  });

  test('config file: an upstream name given twice, or "upstream" among several, names the file and /upstreams/N/name, not --upstream', async (t) => {
    const twice = configFile(t, { upstreams: [{ name: 'bankA', upstream: '127.0.0.1:9' }, { name: 'bankA', upstream: '127.0.0.1:10' }] });
    const stderr = await refused(['--config', twice]);
    assert.match(stderr, new RegExp(`^iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${quote(twice)}: /upstreams/1/name: upstream name "bankA" is given twice`));
    assert.doesNotMatch(stderr, /--upstream/);
    const reserved = configFile(t, { upstreams: [{ name: 'bankA', upstream: '127.0.0.1:9' }, { name: 'upstream', upstream: '127.0.0.1:10' }] });
    assert.match(await refused(['--config', reserved]), new RegExp(`config file ${quote(reserved)}: /upstreams/1/name: the upstream name "upstream" is reserved`));
    // Given by flags, the flag is named.
    const flagged = await refused(['--upstream', 'bankA=127.0.0.1:9', '--upstream', 'bankA=127.0.0.1:10']);
    assert.match(flagged, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: upstream name "bankA" is given twice/);
    assert.doesNotMatch(flagged, /config file/);
  });

  test('config file: a route to an upstream not given names the file and /routes/N/upstream, not --route', async (t) => {
    const file = configFile(t, {
      upstreams: [{ name: 'bankA', upstream: '127.0.0.1:9' }],
      routes: [{ pan: '4111', upstream: 'bankA' }, { pan: '5413', upstream: 'bankB' }],
    });
    const stderr = await refused(['--config', file]);
    assert.match(stderr, new RegExp(`^iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${quote(file)}: /routes/1/upstream: a route names the upstream "bankB", which is not given`));
    assert.doesNotMatch(stderr, /--route/);
    // A --route flag over the file's upstreams: the flag's route, named as one.
    const flagged = await refused(['--config', file, '--route', '4111=bankC']);
    assert.match(flagged, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: a route names the upstream "bankC", which is not given/);
    assert.doesNotMatch(flagged, /config file/);
  });

  test('config file: a TLS certificate without its key names the file and the key given, not --tls-cert', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'iso8583-gateway-origin-pem-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const pem = join(dir, 'cert.pem');
    writeFileSync(pem, '');
    const upstream = configFile(t, { upstream: '127.0.0.1:9', tlsCert: pem });
    const stderr = await refused(['--config', upstream]);
    assert.match(stderr, new RegExp(`^iso8583: ISO8583_ERR_GATEWAY_CONFIG: config file ${quote(upstream)}: tlsCert and tlsKey go together: /tlsCert is given alone`));
    assert.doesNotMatch(stderr, /--tls/);
    const clients = configFile(t, { upstream: '127.0.0.1:9', clientTlsKey: pem });
    assert.match(await refused(['--config', clients]), new RegExp(`config file ${quote(clients)}: clientTlsCert and clientTlsKey go together: /clientTlsKey is given alone`));
    // Given by a flag, the flag is named.
    const flagged = await refused(['--upstream', '127.0.0.1:9', '--tls-key', pem]);
    assert.match(flagged, /^iso8583: ISO8583_ERR_GATEWAY_CONFIG: --tls-cert and --tls-key go together/);
  });
});
