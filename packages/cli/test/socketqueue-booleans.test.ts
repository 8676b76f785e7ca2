// SocketQueue's boolean parameters as its cfgParams reads them: alone, `=true`, `=false`; `vv` is --log-messages (and
// SocketQueue's defaults); its config.json.dist keys at their off value change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';

const BANK = ['--upstreamHost=10.0.0.1', '--upstreamPort=5000'];

function configFile(t: { after(fn: () => void): void }, data: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'sq-booleans-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(data));
  return file;
}

test('SocketQueue booleans – --noAutoReversal=true and =false, --queueLockTerminal=true, read as SocketQueue reads them', () => {
  assert.equal(parseGatewayArgs([...BANK, '--noAutoReversal=true']).config.noReversal, true);
  const off = parseGatewayArgs([...BANK, '--noAutoReversal=false', '--queueLockTerminal=true']).config;
  assert.equal(off.noReversal, false);
  assert.equal(off.terminalQueue, true);
  // A SocketQueue name written false is still one of its names: SocketQueue's defaults apply.
  const alone = parseGatewayArgs(['--upstream', 'h:1', '--noAutoReversal=false']).config;
  assert.equal(alone.socketqueue, true);
  assert.equal(alone.dialect, 'smartvista');
});

test('SocketQueue booleans – any other value, or the flag twice, is refused naming the flag', () => {
  for (const value of ['yes', '1', '', 'TRUE']) {
    assert.throws(() => parseGatewayArgs([...BANK, `--noAutoReversal=${value}`]), {
      code: 'ISO8583_ERR_CLI_OPTION',
      message: /^--noAutoReversal must be true or false/,
    });
  }
  assert.throws(() => parseGatewayArgs([...BANK, '--noAutoReversal=false', '--noAutoReversal']), { code: 'ISO8583_ERR_CLI_OPTION', message: /--noAutoReversal is given twice/ });
  assert.throws(() => parseGatewayArgs([...BANK, '--noAutoReversal=false', '--no-reversal']), { code: 'ISO8583_ERR_CLI_OPTION', message: /same flag/ });
  // Our own booleans keep taking no value.
  assert.throws(() => parseGatewayArgs([...BANK, '--no-reversal=true']), { code: 'ISO8583_ERR_CLI_USAGE', message: /takes no value/ });
});

test('SocketQueue --vv is --log-messages, on the command line and as the README config file\'s "vv": true', (t) => {
  assert.equal(parseGatewayArgs([...BANK, '--vv']).config.logMessages, true);
  assert.equal(parseGatewayArgs([...BANK, '--vv=false']).config.logMessages, false);
  // SocketQueue's README config.json, as it is.
  const readme = configFile(t, { upstreamHost: '10.0.0.1', upstreamPort: 5000, listenPort: 2014, vv: true, logFile: 'log.txt' });
  const { config } = parseGatewayArgs(['-c', readme]);
  assert.equal(config.logMessages, true);
  assert.equal(config.listen, 2014);
  assert.equal(config.socketqueue, true);
  assert.equal(parseGatewayArgs(['-c', configFile(t, { upstream: 'h:1', noAutoReversal: false })]).config.noReversal, false);
});

test('SocketQueue --v (logging on at info, whatever its help says) is refused saying the gateway logs at info by default', () => {
  assert.throws(() => parseGatewayArgs([...BANK, '--v']), {
    code: 'ISO8583_ERR_CLI_USAGE',
    message: /--v, SocketQueue's: leave it out: the gateway logs at info by default, as SocketQueue's --v did \(--log-level LEVEL for another\)$/,
  });
});

test('SocketQueue --vv alone, or "vv": false in a file, is one of SocketQueue\'s names: SocketQueue\'s defaults apply; --log-messages changes nothing else', (t) => {
  const vv = parseGatewayArgs(['--upstream', 'h:1', '--vv']).config;
  assert.equal(vv.logMessages, true);
  assert.equal(vv.socketqueue, true);
  assert.equal(vv.dialect, 'smartvista');
  assert.equal(vv.httpEnabled, false);
  const ours = parseGatewayArgs(['--upstream', 'h:1', '--log-messages']).config;
  assert.equal(ours.logMessages, true);
  assert.equal(ours.socketqueue, false);
  assert.equal(ours.dialect, 'iso87ascii');
  assert.equal(parseGatewayArgs(['-c', configFile(t, { upstream: 'h:1', vv: false })]).config.socketqueue, true);
});

/**
 * SocketQueue's config.json.dist with its blanks filled in (ports, host) or taken out (the keys it ships with no value),
 * every other key as it ships (`useHeader` too: `true`, the ASCII length the gateway puts before each message).
 */
const DIST = {
  upstreamHost: '10.0.0.1', upstreamPort: 5000, listenPort: 2014, listenHttpPort: 8080, maxQueue: 100, queueTimeout: 35,
  queueShortTimeout: 5, noAutoReversal: false, logFile: '', pidFile: '', logstashHost: '', logstashNode: 'SocketQueue',
  statDumpFile: '', testTargetHost: '', c: '', v: false, vv: false, dangerous: false, useHeader: true, silent: false,
  help: false, helpJson: false,
};

test('SocketQueue config.json.dist – its keys as it ships them (off, or at SocketQueue\'s default) are read as absent, with no effect', (t) => {
  const { config } = parseGatewayArgs(['-c', configFile(t, DIST)]);
  assert.equal(config.upstream, '10.0.0.1:5000');
  assert.equal(config.requestTimeout, 35_000, '"queueTimeout": 35 is SocketQueue\'s default, as the gateway\'s with its names');
  assert.equal(config.listen, 2014);
  assert.equal(config.logFile, undefined, '"logFile": "" is no log file');
  assert.equal(config.logMessages, false);
  assert.equal(config.socketqueue, true);
  assert.equal(config.frame, 'ascii4', '"useHeader": true is the ASCII length the gateway puts before each message');
});

test('SocketQueue config file – its ports as text of digits are read as SocketQueue read them (parseInt); other text refused naming the key', (t) => {
  const text = { ...DIST, upstreamPort: '5000', listenPort: '2014', listenHttpPort: '8080', statServerPort: '4000' };
  const { config } = parseGatewayArgs(['-c', configFile(t, text)]);
  assert.equal(config.upstream, '10.0.0.1:5000');
  assert.equal(config.listen, 2014);
  assert.equal(config.http, 8080);
  assert.equal(config.statsPort, 4000);
  for (const bad of ['2014abc', ' 2014', '', '99999999']) {
    assert.throws(() => parseGatewayArgs(['-c', configFile(t, { ...DIST, listenPort: bad })]), (err: { code?: string; problems?: { field: string }[] }) => {
      assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG', JSON.stringify(bad));
      assert.ok(err.problems?.some((p) => p.field === '/listenPort'), `${JSON.stringify(bad)}: ${JSON.stringify(err.problems)}`);
      return true;
    });
  }
  // Our own names keep their types: the gateway's keys take numbers.
  assert.throws(() => parseGatewayArgs(['-c', configFile(t, { upstream: 'h:1', listen: '2014' })]), { code: 'ISO8583_ERR_GATEWAY_CONFIG' });
});

test('SocketQueue config.json.dist – a key at any other value is refused by name with what replaces it; useHeader points to --frame', (t) => {
  const refused = (data: Record<string, unknown>, pattern: RegExp) => {
    assert.throws(() => parseGatewayArgs(['-c', configFile(t, { ...DIST, ...data })]), (err: { code?: string; problems?: { field: string; reason: string }[] }) => {
      assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG');
      assert.ok(err.problems?.some((p) => pattern.test(`${p.field} ${p.reason}`)), JSON.stringify(err.problems));
      return true;
    });
  };
  refused({ dangerous: true }, /^\/dangerous .*card data is always masked/);
  refused({ v: true }, /^\/v .*logs at info by default/);
  refused({ pidFile: 'sq.pid' }, /^\/pidFile .*service manager/);
  refused({ useHeader: false }, /^\/useHeader .*--frame none/);
  refused({ dangerous: 'false' }, /^\/dangerous /);
  // SocketQueue's defaults as it ships them are no choice; another value is one, refused with what replaces it.
  refused({ queueTimeout: 60 }, /^\/queueTimeout .*--request-timeout 60000/);
  refused({ maxQueue: 500 }, /^\/maxQueue .*--max-connections/);
  refused({ queueShortTimeout: 10 }, /^\/queueShortTimeout /);
  refused({ logstashNode: 'gw1' }, /^\/logstashNode /);
});

test('SocketQueue ports – listenHttpPort and statServerPort at 0 open nothing, as in SocketQueue; ours at 0 a port the system picks', (t) => {
  for (const argv of [[...BANK, '--listenHttpPort=0', '--statServerPort=0'], [...BANK, '--listenHttpPort', '0', '--statServerPort', '0']]) {
    const { config } = parseGatewayArgs(argv);
    assert.equal(config.httpEnabled, false, argv.join(' '));
    assert.equal(config.statsPort, undefined, argv.join(' '));
  }
  const file = parseGatewayArgs(['-c', configFile(t, { ...DIST, listenHttpPort: 0, statServerPort: 0 })]).config;
  assert.deepEqual([file.httpEnabled, file.statsPort], [false, undefined]);
  // Our names keep 0 as a port the system picks, with SocketQueue's names beside them.
  const ours = parseGatewayArgs([...BANK, '--http', '0', '--stats-port', '0']).config;
  assert.deepEqual([ours.httpEnabled, ours.http, ours.statsPort], [true, 0, 0]);
  // A flag wins over the file: the file's 0 is no longer the value in force.
  const flagged = parseGatewayArgs(['-c', configFile(t, { ...DIST, listenHttpPort: 0 }), '--listenHttpPort=8081']).config;
  assert.deepEqual([flagged.httpEnabled, flagged.http], [true, 8081]);
  const withoutHttp: Record<string, unknown> = { ...DIST, http: 0 };
  delete withoutHttp.listenHttpPort;
  const fileOurs = parseGatewayArgs(['-c', configFile(t, withoutHttp)]).config;
  assert.deepEqual([fileOurs.httpEnabled, fileOurs.http], [true, 0]);
});
