// Option errors name what the user gave. Before: a config file with `upstream` and `upstreamHost`/`upstreamPort` was
// refused naming the flags --upstream and --upstream-host (never given); `--help=x` said "a flag needs a value"
// naming no flag; integer flags took `0x10`, `1e3`, `0b11`, `0o17` and `' '` (port 0) through number coercion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { integerFlag, numberFlag } from '../src/args.js';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { runCli } from './cli-process.js';

function configFile(t: { after(fn: () => void): void }, data: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'option-forms-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(data));
  return file;
}

/** The code, field and message of what `fn` throws. */
function thrown(fn: () => unknown): { code: unknown; field: unknown; message: string } {
  try {
    fn();
  } catch (err) {
    const e = err as { code?: unknown; field?: unknown; message: string };
    return { code: e.code, field: e.field, message: e.message };
  }
  assert.fail('nothing thrown');
}

test('option forms – a config file with upstream and upstreamHost/upstreamPort is refused naming the file\'s keys', (t) => {
  const both = configFile(t, { upstream: '127.0.0.1:5000', upstreamHost: '127.0.0.2', upstreamPort: 5000 });
  const e = thrown(() => parseGatewayArgs(['--config', both]));
  assert.deepEqual(
    [e.code, e.field, e.message],
    ['ISO8583_ERR_GATEWAY_CONFIG', '/upstreamHost', `config file ${both}: upstream and upstreamHost/upstreamPort say the same thing: give one`],
  );
  const half = configFile(t, { upstreamHost: '127.0.0.2' });
  const h = thrown(() => parseGatewayArgs(['--config', half]));
  assert.deepEqual([h.code, h.field], ['ISO8583_ERR_GATEWAY_CONFIG', '/upstreamPort']);
  assert.ok(h.message.startsWith(`config file ${half}: upstreamHost and upstreamPort go together`), h.message);
  // Flags still name flags.
  const f = thrown(() => parseGatewayArgs(['--upstream', 'h:1', '--upstream-host', 'h', '--upstream-port', '1']));
  assert.deepEqual([f.code, f.field], ['ISO8583_ERR_CLI_OPTION', '--upstream-host']);
  // A flag's halves over the file's upstream: the flags win, as before.
  const file = configFile(t, { upstream: '127.0.0.1:5000' });
  assert.equal(parseGatewayArgs(['--config', file, '--upstream-host', '127.0.0.3', '--upstream-port', '6000']).config.upstream, '127.0.0.3:6000');
});

test('option forms – --help=x: --help takes no value', () => {
  const e = thrown(() => parseGatewayArgs(['--upstream', 'h:1', '--help=x']));
  assert.deepEqual([e.code, e.field, e.message], ['ISO8583_ERR_CLI_USAGE', '--help', '--help takes no value (see --help)']);
});

test('option forms – integer and number flags take digits only: 0x10, 1e3, 0b11, 0o17, a space are refused naming the flag', () => {
  for (const v of ['0x10', '1e3', '0b11', '0o17', ' ', ' 5', '5 ', '+5', '5.0', '']) {
    for (const [flag, name] of [['--listen', '--listen'], ['--request-timeout', '--request-timeout'], ['--listenPort', '--listenPort']] as const) {
      const e = thrown(() => parseGatewayArgs(['--upstream', '127.0.0.1:5000', `${flag}=${v}`]));
      assert.deepEqual([e.code, e.field], ['ISO8583_ERR_CLI_OPTION', name], `${flag}=${JSON.stringify(v)}: ${e.message}`);
    }
    assert.throws(() => integerFlag({ port: v }, 'port'), { code: 'ISO8583_ERR_CLI_OPTION', field: '--port' }, JSON.stringify(v));
  }
  for (const v of ['1e3', '0x10', ' ', ' 1.5', '-1']) assert.throws(() => numberFlag({ rate: v }, 'rate'), { code: 'ISO8583_ERR_CLI_OPTION' }, v);
  const { config } = parseGatewayArgs(['--upstream', '127.0.0.1:5000', '--listen', '2014', '--request-timeout', '0035000']);
  assert.deepEqual([config.listen, config.requestTimeout], [2014, 35_000]);
  assert.equal(integerFlag({ port: '0' }, 'port'), 0);
  assert.equal(numberFlag({ rate: '1.5' }, 'rate'), 1.5);
});

test('option forms – the real binary refuses --listen 0x10 naming --listen', async () => {
  const r = await runCli(['gateway', '--upstream', '127.0.0.1:5000', '--listen', '0x10', '--check-config']);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'iso8583: ISO8583_ERR_CLI_OPTION: --listen must be integer\n');
});
