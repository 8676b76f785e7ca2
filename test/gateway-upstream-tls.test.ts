/**
 * Each upstream's TLS, end to end with the real binary, real TLS hosts and certificates made by the test: an upstream's
 * own `tlsServername` means TLS (never the PAN in clear), its `"tls": false` wins over the gateway's TLS files, and a
 * TLS file that Node cannot use stops `--check-config` and the start alike with ISO8583_ERR_CLI_FILE naming its flag
 * or config key, never its content. The TLS host and the plain one are shared by the tests (each gateway its
 * own); the bad TLS files go through the real binary for a flag and a config key, and every case through the same
 * command in this process (`gatewayCommand` with `--check-config`, and `startGateway`), checked by the same rules.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCertificates, waitUntil } from '@iso8583/test-support';
import type { TestCertificates } from '@iso8583/test-support';
import { createLogger, gatewayCommand, parseGatewayArgs, startGateway as startGatewayHere } from '@iso8583/cli';
import { exitWithin, runToEnd, startCli, startGateway, startSimulator, stopAll } from './helpers/cli.js';
import { PosClient, purchase } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-upstream-tls-'));
let certs: TestCertificates;
/** The TLS host (the test's server certificate) and a plain one, shared by the tests: each starts its own gateway. */
let tlsBank: { host: string; port: number };
let plainBank: { host: string; port: number };
const file = (name: string, text: string): string => {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
};
/** A file that looks like a PEM key but is not one; its line must never show in an error. */
const GARBAGE_KEY = '-----BEGIN PRIVATE KEY-----\nSECRETLINEabc123\n-----END PRIVATE KEY-----\n';

before(async () => {
  certs = makeCertificates();
  [tlsBank, plainBank] = await Promise.all([
    startSimulator(['--tls-cert', file('server.pem', certs.serverCert), '--tls-key', file('server.key', certs.serverKey)]),
    startSimulator([]),
  ]);
});

after(async () => {
  await stopAll();
  certs.cleanup();
  rmSync(work, { recursive: true, force: true });
});

async function healthy(http: { host: string; port: number }, names: string[]): Promise<void> {
  await waitUntil(async () => {
    const s = (await (await fetch(`http://${http.host}:${http.port}/stats`)).json()) as { healthy?: string[] };
    return names.every((n) => s.healthy?.includes(n)) ? true : undefined;
  }, { what: `${names.join(', ')} healthy` });
}

async function approved(pos: { host: string; port: number }, terminal: string, pan?: string): Promise<void> {
  const client = await PosClient.open(pos.host, pos.port);
  try {
    const answer = await client.request(purchase(terminal, 1, 500, pan));
    assert.equal(answer['0'], '0210');
    assert.equal(answer['39'], '00', `terminal ${terminal}`);
  } finally {
    await client.close();
  }
}

describe('each upstream\'s TLS', () => {
  test('an upstream\'s own tlsServername means TLS: a TLS host answers, alone or in a group', async () => {
    const ca = file('ca.pem', certs.ca);
    const [bank, plain] = [tlsBank, plainBank];
    const sni = { name: 'sni', upstream: `${bank.host}:${bank.port}`, tlsServername: 'localhost' };
    const configs = {
      lone: { upstreams: [sni] },
      group: { upstreams: [sni, { name: 'plain', upstream: `${plain.host}:${plain.port}` }], routes: [{ pan: '4', upstream: 'sni' }, { upstream: 'plain' }] },
    };
    for (const [kind, config] of Object.entries(configs)) {
      const path = file(`sni-${kind}.json`, JSON.stringify({ ...config, requestTimeout: 5000, reversalJournal: join(work, `j-sni-${kind}`) }));
      // The bank's CA is trusted as Node's own (no tlsCa anywhere): only the server name turns TLS on.
      const gw = await startGateway(['--config', path, '--log-level', 'warn'], { env: { NODE_EXTRA_CA_CERTS: ca } });
      if (kind === 'group') await healthy(gw.http, ['sni', 'plain']);
      await approved(gw.pos, `SNI${kind.toUpperCase()}`.slice(0, 8).padEnd(8, '0'));
      gw.process.kill('SIGTERM');
      assert.equal((await gw.process.exited).code, 0);
    }
  });

  test('an upstream\'s "tls": false wins over the gateway\'s tlsCa: plain TCP to it, TLS to the others', async () => {
    const [bank, plain] = [tlsBank, plainBank];
    const path = file('tls-false.json', JSON.stringify({
      tlsCa: file('ca2.pem', certs.ca),
      tlsServername: 'localhost',
      upstreams: [{ name: 'bank', upstream: `${bank.host}:${bank.port}` }, { name: 'plain', upstream: `${plain.host}:${plain.port}`, tls: false }],
      routes: [{ pan: '5', upstream: 'plain' }, { upstream: 'bank' }],
      requestTimeout: 5000,
      reversalJournal: join(work, 'j-tls-false'),
    }));
    const gw = await startGateway(['--config', path, '--log-level', 'warn']);
    await healthy(gw.http, ['bank', 'plain']);
    await approved(gw.pos, 'PLAIN001', '5413330089010434');
    await approved(gw.pos, 'TLSBANK1');
    gw.process.kill('SIGTERM');
    assert.equal((await gw.process.exited).code, 0);
  });

  test('a TLS file Node cannot use stops --check-config and the start with ISO8583_ERR_CLI_FILE naming it, its file and the reason', async () => {
    const good = { cert: file('c.pem', certs.clientCert), key: file('c.key', certs.clientKey), server: file('s.pem', certs.serverCert), serverKey: file('s.key', certs.serverKey) };
    const garbage = file('garbage.key', GARBAGE_KEY);
    const upstreamFile = (name: string, upstream: Record<string, unknown>): string =>
      file(name, JSON.stringify({ upstreams: [{ name: 'a', upstream: '127.0.0.1:1', ...upstream }], reversalJournal: join(work, `j-${name}`) }));
    const cases: { args: string[]; field: string; reason: RegExp }[] = [
      { args: ['--client-tls-cert', good.server, '--client-tls-key', garbage], field: '--client-tls-key', reason: /private key in \S+garbage\.key cannot be used \(ERR_OSSL/ },
      { args: ['--tls-cert', good.cert, '--tls-key', garbage], field: '--tls-key', reason: /private key in \S+garbage\.key cannot be used \(ERR_OSSL/ },
      { args: ['--tls-cert', good.cert, '--tls-key', good.serverKey], field: '--tls-key', reason: /private key in \S+s\.key does not go with the certificate in \S+c\.pem \(--tls-cert\) \(ERR_OSSL_X509_KEY_VALUES_MISMATCH/ },
      { args: ['--tls-ca', garbage], field: '--tls-ca', reason: /no PEM certificate in \S+garbage\.key/ },
      { args: ['--client-tls-cert', good.server, '--client-tls-key', good.serverKey, '--client-tls-ca', garbage], field: '--client-tls-ca', reason: /no PEM certificate in \S+garbage\.key/ },
      { args: ['--config', upstreamFile('up-key.json', { tlsCert: good.cert, tlsKey: garbage })], field: '/upstreams/0/tlsKey', reason: /in \S+garbage\.key cannot be used/ },
      { args: ['--config', upstreamFile('up-ca.json', { tlsCa: garbage })], field: '/upstreams/0/tlsCa', reason: /no PEM certificate in \S+garbage\.key/ },
      { args: ['--config', upstreamFile('up-pair.json', { tlsCert: good.cert })], field: '/upstreams/0/tlsCert', reason: /without its key/ },
    ];
    const argsOf = (c: (typeof cases)[number]): string[] =>
      ['--listen', '0', '--http', '0', ...(c.args.includes('--config') ? [] : ['--upstream', '127.0.0.1:1', '--reversal-journal', join(work, 'j-bad')]), ...c.args];
    const refused = (what: string, c: (typeof cases)[number], stderr: string): void => {
      assert.match(stderr, /ISO8583_ERR_(CLI_FILE|GATEWAY_CONFIG)/, `${what} ${c.field}`);
      assert.ok(stderr.includes(c.field), `${what} names ${c.field}: ${stderr}`);
      assert.match(stderr, c.reason, `${what} ${c.field}`);
      assert.ok(!stderr.includes('SECRETLINE'), `${what} ${c.field}: no file content in the error`);
    };
    // Every case in this process: the command's --check-config and the start, each refusing before a socket opens.
    const silent = createLogger({ level: 'silent' }).logger;
    const lineOf = (err: unknown): string => `${String((err as { code?: unknown }).code)}: ${(err as Error).message}`;
    for (const c of cases) {
      const check = await gatewayCommand([...argsOf(c), '--check-config']).then(
        () => assert.fail(`--check-config ${c.field}: accepted`),
        lineOf,
      );
      refused('--check-config', c, check);
      const start = await (async () => {
        const gw = await startGatewayHere(parseGatewayArgs(argsOf(c)).config, { logger: silent });
        await gw.abort();
      })().then(() => assert.fail(`start ${c.field}: started`), lineOf);
      refused('start', c, start);
    }
    // The real binary for a flag and a config key: exit 1, the error line on stderr, no ready line.
    for (const c of [cases[1], cases[5]] as (typeof cases)[number][]) {
      const args = ['gateway', ...argsOf(c)];
      const start = startCli(args);
      const [check, started] = await Promise.all([runToEnd([...args, '--check-config']), exitWithin(start, 20_000, `gateway with a bad ${c.field}`)]);
      for (const [what, code, stderr] of [['--check-config', check.code, check.stderr], ['start', started.code, start.stderr()]] as const) {
        assert.equal(code, 1, `${what} ${c.field}: ${stderr}`);
        assert.match(stderr, /^iso8583: ISO8583_ERR_(CLI_FILE|GATEWAY_CONFIG): /, `${what} ${c.field}`);
        refused(what, c, stderr);
      }
      assert.equal(start.stdout(), '', `${c.field}: no ready line`);
    }
  });
});
