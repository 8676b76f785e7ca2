/**
 * The card-data sweep of the one-shot commands, the host simulator and a flow: `iso8583 send`, `decode` and `encode`
 * with card data in every sensitive field (helpers/card-canaries.ts), on their ordinary and their failure paths (an
 * invalid message, a bad hex, a cut frame, a host that is not there, answers late, malformed or for another
 * request), `simulate-host --log-messages`, and `iso8583 run FLOW.json` whose sequence fails, throws card data and
 * logs it, whose connector times out, and a flow file that does not start. Policy (docs/operations.md, "Where card
 * data is kept"): `send`'s printed answer, `decode`'s json and xml and `encode`'s hex show the message whole (tools
 * to see messages, documented so); the flow's reversal journal holds the PAN of field 2; nothing else holds any of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, responseMti } from '@iso8583/codec';
import { waitUntil } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { BIN, exitWithin, killOnExit, startCli, startSimulator, stopAll } from './helpers/cli.js';
import { CVV, PAN, PIN_BLOCK, SWEEP_DIALECT, TRACK2, assertHolds, assertSinks, canaryMessage, ebcdicHex, folderSinks } from './helpers/card-canaries.js';
import type { Allowed, Sink } from './helpers/card-canaries.js';
import { packed, startRawBank } from './helpers/raw-bank.js';
import type { RawBank } from './helpers/raw-bank.js';
import { PosClient } from './helpers/pos.js';

const work = mkdtempSync(join(tmpdir(), 'iso8583-sweep-cli-'));
const dialectFile = join(work, 'sweep.json');
/** Each sink read: its name, its text, what it may hold. */
const sinks: Sink[] = [];
/** What a tool that shows a message whole may print. */
const WHOLE: Allowed = {
  PAN: 'shown whole', PAN_EXTENDED: 'shown whole', TRACK2: 'shown whole', TRACK3: 'shown whole', TRACK1: 'shown whole',
  CARDHOLDER: 'shown whole', CVV: 'shown whole', PIN_BLOCK: 'shown whole', EMV: 'shown whole',
};

/** The bank's rule by the STAN's hundreds: 1xx approve (every field echoed), 3xx silence, 4xx field 4 not digits, 6xx another STAN. */
function bankRule(request: IsoMessage): IsoMessage | Buffer | undefined {
  const answer: IsoMessage = { ...request, '0': responseMti(String(request['0'])) ?? '0210', '39': '00' };
  if (String(request['0']).startsWith('04')) return answer;
  const kind = Math.floor(Number(request['11']) / 100);
  if (kind === 3) return undefined;
  if (kind === 4) return Buffer.from(packed(answer).toString('latin1').replace('000000001000', '00000000ABCD'), 'latin1');
  if (kind === 6) return { ...answer, '11': '999999' };
  return answer;
}

let bank: RawBank;

before(async () => {
  writeFileSync(dialectFile, JSON.stringify(SWEEP_DIALECT));
  bank = await startRawBank(bankRule);
});

after(async () => {
  await stopAll();
  await bank.close();
  rmSync(work, { recursive: true, force: true });
});

/** Runs `iso8583 ARGS` with `input` on stdin; keeps stdout (`stdoutAllowed`) and stderr (nothing allowed) as sinks. */
async function run(name: string, args: string[], input = '', stdoutAllowed: Allowed = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ISO8583_LOG_FORMAT: 'json' } });
  killOnExit(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  sinks.push({ name: `${name}: stdout`, text: stdout, allowed: stdoutAllowed }, { name: `${name}: stderr`, text: stderr, allowed: {} });
  return { code, stdout, stderr };
}

/** The wire image of a canary message with field 4 made of letters (a field the codec refuses). */
function badFieldHex(stan: number): string {
  return Buffer.from(packed(canaryMessage(stan)).toString('latin1').replace('000000001000', '0000000010AB'), 'latin1').toString('hex');
}

test('send: an answer, and its failures (invalid message, no host, silence, a malformed answer, another STAN)', async () => {
  const sim = await startSimulator(['--any-card', '--log-messages', '--log-level', 'trace', '--dialect', dialectFile]);
  const sendArgs = (port: number, extra: string[] = []): string[] => ['send', '--port', String(port), '--dialect', dialectFile, '--log-messages', '--log-level', 'trace', ...extra];
  const ok = await run('send to the simulator', sendArgs(sim.port), JSON.stringify(canaryMessage(101)), WHOLE);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /476173\*{6}0010/, 'send traces its messages, the PAN masked');
  sim.process.kill('SIGTERM');
  await exitWithin(sim.process, 10_000, 'simulator stop');
  sinks.push({ name: 'simulator stdout', text: sim.process.stdout(), allowed: {} }, { name: 'simulator stderr', text: sim.process.stderr(), allowed: {} });
  assert.match(sim.process.stderr(), /476173\*{6}0010/, 'the simulator traces its messages, the PAN masked');
  const bad = { ...canaryMessage(102), '2': `${PAN}AB`, '35': `${TRACK2}99`, '52': `${PIN_BLOCK}0`, '48': `${CVV}${'x'.repeat(1000)}` };
  // The failures are independent one-shot commands (each its own STAN): run side by side, each checked for its exit code.
  const [invalid, cutJson, noHost, ...rules] = await Promise.all([
    run('send, invalid fields', sendArgs(bank.port), JSON.stringify(bad)),
    run('send, cut JSON', sendArgs(bank.port), JSON.stringify(canaryMessage(103)).slice(0, 300)),
    run('send, no host', sendArgs(sim.port, ['--timeout', '2000']), JSON.stringify(canaryMessage(104))),
    ...[301, 401, 601].map((stan) => run(`send, bank rule ${Math.floor(stan / 100)}xx`, sendArgs(bank.port, ['--timeout', '1000']), JSON.stringify(canaryMessage(stan)))),
  ]);
  assert.equal(invalid?.code, 1, invalid?.stderr);
  assert.equal(cutJson?.code, 1, cutJson?.stderr);
  assert.notEqual(noHost?.code, 0, noHost?.stderr);
  for (const [i, stan] of [301, 401, 601].entries()) assert.equal(rules[i]?.code, 1, `STAN ${stan}: ${rules[i]?.stdout ?? ''} ${rules[i]?.stderr ?? ''}`);
});

test('decode and encode: describe masks; errors name fields, never values', async () => {
  const hex = packed(canaryMessage(110)).toString('hex');
  const framed = encodeFrame(packed(canaryMessage(111)), { lengthHeader: 'binary2' }).toString('hex');
  const cut = framed.slice(0, framed.indexOf(Buffer.from(TRACK2).toString('hex')) + 30);
  const bad = { ...canaryMessage(115), '2': `${PAN}AB`, '35': `${TRACK2}99`, '52': `${PIN_BLOCK}0` };
  const xml = `<ISOMessage><data><field id="0">0200</field><field id="2">${PAN}</field><field id="35">${TRACK2}</fiel></data></ISOMessage>`;
  // Independent one-shot commands: run side by side, each checked for its exit code.
  const runs: [string, string[], string, Allowed, number][] = [
    ['decode --format describe', ['decode', '--dialect', dialectFile, '--format', 'describe', hex], '', {}, 0],
    ['decode (json)', ['decode', hex], '', WHOLE, 0],
    ['decode --frame binary2 --format describe', ['decode', '--dialect', dialectFile, '--frame', 'binary2', '--input', 'hex', '--format', 'describe'], framed, {}, 0],
    ['decode, not hex', ['decode', `${hex}Z`], '', {}, 1],
    ['decode, field 4 not digits', ['decode', badFieldHex(112)], '', {}, 1],
    ['decode --format describe, field 4 not digits', ['decode', '--format', 'describe', badFieldHex(113)], '', {}, 1],
    ['decode --frame binary2, cut in field 35', ['decode', '--frame', 'binary2', '--input', 'hex', '--format', 'describe'], cut, {}, 1],
    ['encode', ['encode'], JSON.stringify(canaryMessage(114)), WHOLE, 0],
    ['encode, invalid fields', ['encode'], JSON.stringify(bad), {}, 1],
    ['encode, malformed XML', ['encode'], xml, {}, 1],
    // An error line naming what was given: a dialect named as the EBCDIC hex of track 2 (PAN, separator, expiry ...).
    ['decode --dialect EBCDIC-HEX-TRACK2', ['decode', '--dialect', ebcdicHex(TRACK2), '00'], '', {}, 1],
  ];
  const results = await Promise.all(runs.map(([name, args, input, allowed]) => run(name, args, input, allowed)));
  for (const [i, [name, , , , code]] of runs.entries()) assert.equal(results[i]?.code, code, `${name}: ${results[i]?.stderr ?? ''}`);
  assert.match(results[0]?.stdout ?? '', /476173\*{6}0010/, 'describe shows the PAN masked');
  assertHolds('decode (json)', results[1]?.stdout ?? '', 'TRACK2');
});

test('run FLOW.json: a sequence that throws card data (as an error, its code, a string), logs it, replies it invalid or late; a connector that times out; a flow that does not start', async () => {
  const journal = join(work, 'flow-journal');
  const logFile = join(work, 'flow.log');
  writeFileSync(join(work, 'sequence.mjs'), `
export default async function sequence(message, context) {
  const f = message.fields;
  const kind = Math.floor(Number(f['11']) / 100);
  context.logger.info({ pan: f['2'], track: f['35'], xml: message.xml }, 'card ' + f['2'] + ' track ' + f['35'] + ' pin ' + f['52'] + ' cvv ' + f['48'] + ' emv ' + f['55'] + ' t1 ' + f['45'] + ' t3 ' + f['36'] + ' ext ' + f['34']);
  if (kind === 2) throw new Error('declined ' + f['35'] + ' ' + f['52'] + ' ' + f['55'] + ' ' + f['48'] + ' ' + f['45']);
  if (kind === 5) throw Object.assign(new Error('declined'), { code: 'DECLINED_' + f['35'], pan: f['2'], track: f['35'] });
  if (kind === 7) throw 'declined ' + f['2'] + ' ' + f['35'] + ' ' + f['52'];
  if (kind === 8) return { '0': '0210', '11': f['11'], '41': f['41'], '2': f['2'] + 'AB', '35': f['35'] + '99', '52': f['52'] + '0', '55': f['55'] };
  if (kind === 9) {
    await new Promise((resolve) => setTimeout(resolve, 2500));
    return { ...f, '0': '0210', '39': '00' };
  }
  return context.connectors.bank.sendMessage(message.xml);
}
`);
  const flowFile = join(work, 'flow.json');
  writeFileSync(flowFile, JSON.stringify({
    name: 'sweep',
    connectors: { bank: { host: '127.0.0.1', port: bank.port, dialect: './sweep.json', requestTimeout: 1000, reversal: { enabled: true, journalDir: './flow-journal', retryInterval: 300 } } },
    inboundEndpoints: { pos: { port: 0, dialect: './sweep.json', sequence: './sequence.mjs', sequenceTimeout: 2000 } },
    http: { port: 0, routes: { bank: '/bank' } },
    logFile,
    logLevel: 'trace',
    shutdownDeadline: 5000,
  }));
  const flow = startCli(['run', flowFile, '--log-messages'], { env: { ISO8583_LOG_FORMAT: 'json', XDG_STATE_HOME: work } });
  const pos = (await flow.waitForLine(/^inbound pos listening on \S+:(\d+)/))[1];
  const http = (await flow.waitForLine(/^http listening on (\S+)/))[1];
  await flow.waitForLine(/^flow sweep ready/);
  const client = await PosClient.open('127.0.0.1', Number(pos));
  const answers = await Promise.all([121, 221, 321, 421, 521, 621, 721, 821, 921].map((stan) => client.request(canaryMessage(stan), 20_000)));
  await client.close();
  for (const a of answers) {
    const approved = a['39'] === '00';
    sinks.push({ name: `flow answer to the terminal (STAN ${String(a['11'])}, 39 ${String(a['39'])})`, text: JSON.stringify(a), allowed: approved ? WHOLE : { PAN: 'echoed as a bank echoes it' } });
  }
  const bad = { ...canaryMessage(122), '2': `${PAN}AB`, '35': `${TRACK2}99`, '52': `${PIN_BLOCK}0` };
  for (const [name, body] of [['invalid fields', JSON.stringify(bad)], ['cut JSON', JSON.stringify(canaryMessage(123)).slice(0, 300)], ['bank silent', JSON.stringify(canaryMessage(322))]] as const) {
    const res = await fetch(`http://${http}/bank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    sinks.push({ name: `flow HTTP POST /bank, ${name} (${res.status})`, text: await res.text(), allowed: {} });
  }
  for (const path of ['/stats', '/metrics', '/transactions']) {
    const res = await fetch(`http://${http}${path}`);
    sinks.push({ name: `flow HTTP GET ${path} (${res.status})`, text: await res.text(), allowed: {} });
  }
  await waitUntil(() => [321, 421, 621, 322].every((s) => bank.received.some((m) => String(m['0']).startsWith('04') && Number(m['11']) === s)), { what: 'the reversal of each request whose outcome is unknown', timeoutMs: 20_000, intervalMs: 50 });
  flow.kill('SIGTERM');
  await exitWithin(flow, 20_000, 'flow stop');
  sinks.push({ name: 'flow stdout', text: flow.stdout(), allowed: {} }, { name: 'flow stderr', text: flow.stderr(), allowed: {} });
  const log = readFileSync(logFile, 'utf8');
  assert.match(log, /476173\*{6}0010/, 'the flow log names the card masked');
  sinks.push({ name: 'flow log file', text: log, allowed: {} });
  sinks.push(...folderSinks(journal, 'flow journal'));
  const broken = join(work, 'broken.json');
  writeFileSync(broken, JSON.stringify({ name: 'broken', connectors: { bank: { host: TRACK2, port: PAN, dialect: PIN_BLOCK } }, inboundEndpoints: { pos: { port: 0, sequence: './sequence.mjs', name: CVV } } }));
  assert.notEqual((await run('run, a flow that does not start', ['run', broken])).code, 0);
  assert.notEqual((await run('run --check, a flow that does not start', ['run', broken, '--check'])).code, 0);
  // A config file whose unknown key is the EBCDIC hex of the PAN: the error line names the key.
  const config = join(work, 'config.json');
  writeFileSync(config, JSON.stringify({ [ebcdicHex(PAN)]: 1 }));
  assert.notEqual((await run('gateway --check-config, a config file key of EBCDIC hex', ['gateway', '--config', config, '--upstream', '127.0.0.1:1', '--check-config'])).code, 0);
});

test('every sink the commands wrote holds no card data beyond its policy', () => {
  assertSinks(sinks);
});
