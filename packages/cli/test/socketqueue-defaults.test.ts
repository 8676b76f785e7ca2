// SocketQueue's names mean SocketQueue's defaults; its parameters that are no flag here are refused with a pointer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { warningFields } from '../src/warning-fields.js';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { socketQueueNotice } from '../src/gateway/socketqueue.js';

function configFile(t: { after(fn: () => void): void }, data: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'sq-defaults-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(data));
  return file;
}

test('SocketQueue defaults – its flag names: smartvista, ascii4 to the bank, unframed POS clients closed after the answer, no HTTP, no echo', () => {
  const { config } = parseGatewayArgs(['--upstreamHost=10.0.0.1', '--upstreamPort=5000', '--listenPort=2014']);
  assert.equal(config.socketqueue, true);
  assert.equal(config.dialect, 'smartvista');
  assert.equal(config.frame, 'ascii4');
  assert.equal(config.clientFrame, 'none');
  assert.equal(config.clientCloseAfterReply, true);
  assert.equal(config.httpEnabled, false);
  assert.equal(config.echoInterval, 0);
  assert.equal(config.requestTimeout, 35_000);
  assert.equal(config.socketqueueAnswers, true);
  assert.equal(config.terminalQueue, true, 'SocketQueue\'s queueLockTerminal defaults to true: a terminal waits for its answer');
  assert.equal(config.bind, '127.0.0.1', 'never every interface without --bind');
});

test('SocketQueue defaults – the terminal queue: on with its names, off with ours, --queueLockTerminal=false or "queueLockTerminal": false turns it off', (t) => {
  assert.equal(parseGatewayArgs(['--upstream', 'h:1', '--listen', '2014']).config.terminalQueue, false);
  assert.equal(parseGatewayArgs(['--upstream', 'h:1', '--socketqueue']).config.terminalQueue, true);
  assert.equal(parseGatewayArgs(['--upstreamHost=h', '--upstreamPort=1', '--queueLockTerminal=false']).config.terminalQueue, false);
  const off = configFile(t, { upstreamHost: 'h', upstreamPort: 1, listenPort: 2014, queueLockTerminal: false });
  assert.equal(parseGatewayArgs(['-c', off]).config.terminalQueue, false);
});

test('SocketQueue defaults – HTTP with --listenHttpPort (or --http); a flag given wins over every default', () => {
  assert.equal(parseGatewayArgs(['--upstreamHost=h', '--upstreamPort=1', '--listenHttpPort=8080']).config.httpEnabled, true);
  assert.equal(parseGatewayArgs(['--upstreamHost=h', '--upstreamPort=1', '--http', '8080']).config.httpEnabled, true);
  const { config } = parseGatewayArgs(['--upstreamHost=h', '--upstreamPort=1', '--frame', 'binary2', '--dialect', 'iso87ascii', '--echo-interval', '1000']);
  assert.deepEqual([config.frame, config.dialect, config.echoInterval], ['binary2', 'iso87ascii', 1000]);
});

test('SocketQueue defaults – not with our own names; --socketqueue asks for them; a config file\'s SocketQueue keys imply them, "socketqueue": false not', (t) => {
  const ours = parseGatewayArgs(['--upstream', 'h:1', '--listen', '2014']).config;
  assert.deepEqual([ours.socketqueue, ours.frame, ours.httpEnabled, ours.echoInterval], [false, 'binary2', true, 60_000]);
  assert.equal(parseGatewayArgs(['--upstream', 'h:1', '--saf-retry-interval', '5']).config.socketqueue, false);
  assert.equal(parseGatewayArgs(['--upstream', 'h:1', '--socketqueue']).config.frame, 'ascii4');
  const sq = configFile(t, { upstreamHost: 'h', upstreamPort: 1, listenPort: 2014 });
  assert.equal(parseGatewayArgs(['-c', sq]).config.clientFrame, 'none');
  const off = configFile(t, { upstreamHost: 'h', upstreamPort: 1, listenPort: 2014, socketqueue: false });
  assert.equal(parseGatewayArgs(['-c', off]).config.frame, 'binary2');
});

test('SocketQueue names – noAutoReversal and queueLockTerminal are --no-reversal and --terminal-queue', (t) => {
  const { config } = parseGatewayArgs(['--upstreamHost=h', '--upstreamPort=1', '--noAutoReversal', '--queueLockTerminal']);
  assert.equal(config.noReversal, true);
  assert.equal(config.terminalQueue, true);
  const file = configFile(t, { upstream: 'h:1', noAutoReversal: true, queueLockTerminal: true });
  assert.deepEqual([parseGatewayArgs(['-c', file]).config.noReversal, parseGatewayArgs(['-c', file]).config.terminalQueue], [true, true]);
});

test('SocketQueue names – a bad value names the key or flag as the user wrote it', (t) => {
  const file = configFile(t, { upstreamHost: 'h', upstreamPort: 1, listenPort: 'port 2014' });
  assert.throws(() => parseGatewayArgs(['-c', file]), (err: Error & { problems?: { field: string }[] }) => {
    assert.deepEqual(err.problems?.map((p) => p.field), ['/listenPort']);
    return true;
  });
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--listenPort=99999']), { code: 'ISO8583_ERR_CLI_OPTION', message: /^--listenPort / });
});

test('SocketQueue parameters with no flag here – refused with what replaces them, seconds turned into milliseconds', (t) => {
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--queueTimeout=35']), {
    code: 'ISO8583_ERR_CLI_USAGE',
    message: /--queueTimeout.*--request-timeout 35000/,
  });
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--pidFile=/run/sq.pid']), { code: 'ISO8583_ERR_CLI_USAGE', message: /--pidFile.*service manager/ });
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--nosuchflag']), { code: 'ISO8583_ERR_CLI_USAGE', message: /^unknown flag --nosuchflag \(see --help\)$/ });
  // The parameters of SocketQueue's later editions (hostConfig replaced smartVista/openWay).
  const later: [string, RegExp][] = [
    ['--hostConfig=smartVista', /--dialect smartvista/],
    ['--hostConfig=openWay', /--dialect FILE/],
    ['--overrides=1:bitmap-hex:8', /JSON dialect that extends smartvista/],
    ['--headerFormat=length:n:4', /--frame ascii4/],
    ['--lengthIncludeHeader', /--length-includes-header/],
    ['--upstreamListenPort=5001', /no equivalent: the gateway connects to the bank/],
  ];
  for (const [arg, pointer] of later) {
    const name = arg.slice(2).split('=')[0] as string;
    assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', arg]), { code: 'ISO8583_ERR_CLI_USAGE', message: new RegExp(`^unknown flag --${name}, SocketQueue's: .*${pointer.source}`) });
  }
  const file = configFile(t, { upstream: 'h:1', clientTimeout: 60, statDumpFile: 'stats.json' });
  assert.throws(() => parseGatewayArgs(['-c', file]), (err: Error & { problems?: { field: string; reason: string }[] }) => {
    const reasons = Object.fromEntries((err.problems ?? []).map((p) => [p.field, p.reason]));
    assert.match(reasons['/clientTimeout'] ?? '', /--idle-timeout 60000/);
    assert.match(reasons['/statDumpFile'] ?? '', /GET \/transactions/);
    return true;
  });
});

test('SocketQueue by its logging names only (--vv, "vv", --logFile) – its defaults apply and a coded warning says so', (t) => {
  const fromLogging = (argv: string[]): string | undefined => parseGatewayArgs(argv).warnings.find((w) => w.startsWith('ISO8583_WARN_SOCKETQUEUE_FROM_LOGGING'));
  const vv = parseGatewayArgs(['--upstream=10.0.0.1:5000', '--vv']);
  assert.deepEqual([vv.config.socketqueue, vv.config.frame, vv.config.clientCloseAfterReply], [true, 'ascii4', true]);
  const warning = fromLogging(['--upstream=10.0.0.1:5000', '--vv']) ?? '';
  assert.match(warning, /^ISO8583_WARN_SOCKETQUEUE_FROM_LOGGING: --vv, SocketQueue's name for logging, turned SocketQueue's behaviour on .*--frame ascii4.*give --log-messages/);
  // Logged at start with its code as a field, as the other start warnings are.
  assert.deepEqual(warningFields(warning), { code: 'ISO8583_WARN_SOCKETQUEUE_FROM_LOGGING' });
  assert.match(fromLogging(['--upstream=10.0.0.1:5000', '--vv', '--logFile=/tmp/gw.log']) ?? '', /--logFile, --vv, SocketQueue's names for logging/);
  // Given as a config file key: the advice names the file's key, not a flag the user did not give.
  const fromKey = fromLogging(['--config', configFile(t, { upstream: '10.0.0.1:5000', vv: true })]) ?? '';
  assert.match(fromKey, /"vv", SocketQueue's name for logging/);
  assert.match(fromKey, /give "logMessages": true in the file instead/);
  assert.match(fromLogging(['--config', configFile(t, { upstream: '10.0.0.1:5000', vv: true }), '--logFile=/tmp/gw.log']) ?? '',
    /give --log-messages \(--log-file\), or "logMessages": true in the file instead/);
  // A name that says more than how to log, SocketQueue chosen by name, its --c=, or our own flag: no such warning.
  assert.equal(fromLogging(['--upstream=10.0.0.1:5000', '--vv', '--listenPort=2014']), undefined);
  assert.equal(fromLogging(['--upstream=10.0.0.1:5000', '--vv', '--socketqueue']), undefined);
  assert.equal(fromLogging([`--c=${configFile(t, { upstream: '10.0.0.1:5000', vv: true })}`]), undefined);
  const ours = parseGatewayArgs(['--upstream=10.0.0.1:5000', '--log-messages']);
  assert.equal(ours.config.socketqueue, false);
  assert.equal(fromLogging(['--upstream=10.0.0.1:5000', '--log-messages']), undefined);
});

test('SocketQueue notice – the warning that POS clients are taken on loopback only carries its code', () => {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } }));
  socketQueueNotice(parseGatewayArgs(['--upstreamHost=10.0.0.1', '--upstreamPort=5000', '--listenPort=2014']).config, logger);
  const warn = lines.map((l) => JSON.parse(l) as { level: number; code?: string; msg: string }).filter((l) => l.level >= 40);
  assert.equal(warn.length, 1);
  assert.equal(warn[0]?.code, 'ISO8583_WARN_SOCKETQUEUE_BIND');
  assert.match(warn[0]?.msg ?? '', /^POS clients are taken on this address only/);
});
