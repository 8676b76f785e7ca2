// SocketQueue's keys at its own defaults (what its --helpJson prints) are read as absent, its queueMessageKeyFields is
// --match-key, and its headerFormat is reproduced: the length counts the message only, POS clients send bare messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { matchKeyOf } from '../src/gateway/upstream-options.js';

function configFile(t: { after(fn: () => void): void }, data: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'sq-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(data));
  return file;
}

/** A config as SocketQueue's --helpJson defaults make it, with a bank and a port filled in. */
const HELP_JSON_CONFIG = {
  upstreamHost: '10.0.0.1', upstreamPort: 5000, listenPort: 2014, queueLockTerminal: true, useHeader: true, vv: false,
  hostConfig: 'smartVista', headerFormat: 'length:n:4', lengthIncludeHeader: false, queueMessageKeyFields: '11,41',
};

test('SocketQueue keys at its defaults – hostConfig, headerFormat, lengthIncludeHeader: false are read as absent', (t) => {
  const { config } = parseGatewayArgs(['-c', configFile(t, HELP_JSON_CONFIG)]);
  assert.equal(config.dialect, 'smartvista');
  assert.equal(config.frame, 'ascii4');
  assert.equal(config.lengthIncludesHeader, false);
  assert.equal(config.matchKey, '11,41');
  // At another value, still refused with its pointer; lengthIncludeHeader's says what its value means.
  const counted = configFile(t, { ...HELP_JSON_CONFIG, lengthIncludeHeader: true });
  assert.throws(() => parseGatewayArgs(['-c', counted]), (err: Error & { problems?: { field: string; reason: string }[] }) => {
    assert.match(err.problems?.find((p) => p.field === '/lengthIncludeHeader')?.reason ?? '', /use --length-includes-header/);
    return true;
  });
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--lengthIncludeHeader=false']), {
    code: 'ISO8583_ERR_CLI_USAGE',
    message: /--lengthIncludeHeader, SocketQueue's: leave it out: the length does not count itself/,
  });
});

test('SocketQueue keys at its defaults in a file without its other names – still SocketQueue\'s behaviour (smartvista, ascii4)', (t) => {
  const helpJson = { upstream: '127.0.0.1:9', hostConfig: 'smartVista', headerFormat: 'length:n:4', lengthIncludeHeader: false };
  const { config } = parseGatewayArgs(['-c', configFile(t, helpJson)]);
  assert.deepEqual(
    [config.socketqueue, config.dialect, config.frame, config.lengthIncludesHeader, config.lengthExcludesHeaderBytes],
    [true, 'smartvista', 'ascii4', false, true],
  );
  // config.json.dist's "useHeader": true (the ASCII length before each message) alone says so too.
  const useHeader = parseGatewayArgs(['-c', configFile(t, { upstream: '127.0.0.1:9', useHeader: true })]).config;
  assert.deepEqual([useHeader.socketqueue, useHeader.dialect, useHeader.frame], [true, 'smartvista', 'ascii4']);
  // Our own key at SocketQueue's shipped value ("logFile": "") is ours: our defaults.
  const ours = parseGatewayArgs(['-c', configFile(t, { upstream: '127.0.0.1:9', logFile: '' })]).config;
  assert.deepEqual([ours.socketqueue, ours.dialect, ours.frame], [false, 'iso87ascii', 'binary2']);
  // Asked off by name, it stays off.
  const off = parseGatewayArgs(['-c', configFile(t, { ...helpJson, socketqueue: false })]).config;
  assert.deepEqual([off.socketqueue, off.dialect, off.frame], [false, 'iso87ascii', 'binary2']);
});

test('SocketQueue keys at their off value ("v": false, "queueTimeout": 35) – our mode stays; hostConfig switching it on is warned of', (t) => {
  // Only hostConfig, headerFormat and useHeader say the file is SocketQueue's: an off value of another key ("v": false,
  // as a config.json.dist filled in has it) changes nothing, as docs/gateway.md says.
  for (const data of [{ v: false }, { silent: false, queueTimeout: 35 }, { lengthIncludeHeader: false }]) {
    const ours = parseGatewayArgs(['-c', configFile(t, { upstream: '127.0.0.1:9', ...data })]);
    assert.deepEqual([ours.config.socketqueue, ours.config.dialect, ours.config.frame], [false, 'iso87ascii', 'binary2'], JSON.stringify(data));
    assert.equal(ours.warnings.some((w) => w.includes('ISO8583_WARN_SOCKETQUEUE_FROM_FILE')), false);
  }
  const switched = parseGatewayArgs(['-c', configFile(t, { upstream: '127.0.0.1:9', hostConfig: 'smartVista' })]);
  assert.equal(switched.config.socketqueue, true);
  const warning = switched.warnings.find((w) => w.startsWith('ISO8583_WARN_SOCKETQUEUE_FROM_FILE'));
  assert.match(warning ?? '', /hostConfig/);
  assert.match(warning ?? '', /"socketqueue": false/);
  // Chosen by name: no warning.
  const chosen = parseGatewayArgs(['-c', configFile(t, { upstream: '127.0.0.1:9', hostConfig: 'smartVista', socketqueue: true })]);
  assert.equal(chosen.warnings.some((w) => w.includes('ISO8583_WARN_SOCKETQUEUE_FROM_FILE')), false);
});

test('SocketQueue queueMessageKeyFields – is --match-key; the answer\'s MTI stays the first part of the key', (t) => {
  assert.equal(parseGatewayArgs(['--upstreamHost=h', '--upstreamPort=1', '--noAutoReversal', '--queueMessageKeyFields=11']).config.matchKey, '11');
  assert.equal(parseGatewayArgs(['--upstream', 'h:1', '--match-key', '11,41']).config.matchKey, '11,41');
  const asList = configFile(t, { upstreamHost: 'h', upstreamPort: 1, noAutoReversal: true, queueMessageKeyFields: ['11'] });
  const { config } = parseGatewayArgs(['-c', asList]);
  assert.equal(config.matchKey, '11');
  assert.equal(config.socketqueue, true);
  assert.deepEqual(matchKeyOf('11'), ['0', '11']);
  assert.deepEqual(matchKeyOf('11,41'), ['0', '11', '41']);
  assert.deepEqual(matchKeyOf('0,011,41,11'), ['0', '11', '41']);
  assert.throws(() => parseGatewayArgs(['--upstream', 'h:1', '--match-key', '11;41']), { code: 'ISO8583_ERR_CLI_OPTION', message: /^--match-key / });
});

test('SocketQueue headerFormat – its names: the length counts the message only, POS clients have no fixed header', () => {
  const sq = parseGatewayArgs(['--upstreamHost=h', '--upstreamPort=1', '--header-hex', '6000010000']).config;
  assert.equal(sq.lengthExcludesHeaderBytes, true);
  assert.equal(sq.headerBytes, 5);
  assert.equal(sq.clientHeaderBytes, 0);
  const ours = parseGatewayArgs(['--upstream', 'h:1', '--header-hex', '6000010000']).config;
  assert.equal(ours.lengthExcludesHeaderBytes, false, 'our names keep the length counting the fixed header bytes');
  assert.equal(ours.clientHeaderBytes, undefined);
  assert.equal(parseGatewayArgs(['--upstream', 'h:1', '--length-excludes-header-bytes']).config.lengthExcludesHeaderBytes, true);
});
