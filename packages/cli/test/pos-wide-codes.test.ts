// A dialect whose field 39 is wider than 3 (jPOS CMF's n 4, the 2003 edition, which approves with its whole 0xxx class).
// Gateway (sr68j #1): a POS dialect naming no answerCodes got the gateway's own codes (91 for a request the bank never
// saw, 68, 96) padded to the field's width, 0091, an approval there. Now the start and --check-config refuse it
// (ISO8583_ERR_GATEWAY_CONFIG, naming the dialect and field 39), as they refuse one whose answerCodes leave out any of
// 30, 68, 91, 94, 96 (the one left out went out padded) and one in front of an upstream whose field 39 is narrower (the
// bank's 05 relayed as 0005); a JSON dialect file may name answerCodes, and with them a refused request is answered
// with the mapped code. Flow (sr68j #3): an endpoint on such a dialect naming neither
// approvalCodes nor approvalClass read its sequence's 0000 by the 1987 codes (no approval) and reversed the bank's
// approval the terminal got, and its own 96 went out as 0096; now loading the flow (start and run --check) refuses an
// endpoint on such a dialect not naming all of those answerCodes, at /inboundEndpoints/NAME/dialect, and the codec
// reads every 4-character 0xxx as approval class and defaults approvalCodes to 0000 (sr69q #1-#3: no naming needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { parseGatewayArgs } from '../src/gateway/config.js';
import { posDialect } from '../src/gateway/dialects.js';
import { failureReply } from '../src/gateway/failure.js';
import { approvalCodesOf, isApprovalClass } from '@iso8583/codec';
import { vectorPath } from '@iso8583/test-support';
import { flowPathProblems } from './flow-problems.js';

type After = { after(fn: () => unknown): void };

const F39 = { name: 'Response code', type: 'n', length: 4, encoding: 'ascii' };
const ANSWER_CODES = { '30': '9002', '68': '9009', '91': '9001', '94': '9003', '96': '9004' };

/** A folder of dialects with field 39 n 4: `wide.json` naming nothing, `mapped.json` answerCodes, `approving.json` approvalCodes, `cmf.json` both, `partial.json` approvalCodes and only 91 and 68 of the answerCodes. */
function dialects(t: After): string {
  const dir = mkdtempSync(join(tmpdir(), 'iso8583-pos-wide-codes-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'wide.json'), JSON.stringify({ name: 'wide', extends: 'iso87ascii', fields: { '39': F39 } }));
  writeFileSync(join(dir, 'mapped.json'), JSON.stringify({ name: 'mapped', extends: 'iso87ascii', fields: { '39': F39 }, answerCodes: ANSWER_CODES }));
  writeFileSync(join(dir, 'partial.json'), JSON.stringify({ name: 'partial', extends: 'iso87ascii', fields: { '39': F39 }, approvalCodes: ['0000'], answerCodes: { '91': '9001', '68': '9009' } }));
  writeFileSync(join(dir, 'approving.json'), JSON.stringify({ name: 'approving', extends: 'iso87ascii', fields: { '39': F39 }, approvalCodes: ['0000'] }));
  writeFileSync(join(dir, 'llvar.json'), JSON.stringify({ name: 'llvar', extends: 'iso87ascii', fields: { '39': { ...F39, type: 'an', prefix: { digits: 2, encoding: 'ascii' } } }, answerCodes: ANSWER_CODES }));
  writeFileSync(join(dir, 'cmf.json'), JSON.stringify({ name: 'cmf', extends: 'iso87ascii', fields: { '39': F39 }, approvalCodes: ['0000'], answerCodes: ANSWER_CODES }));
  return dir;
}

test('gateway – a POS dialect with a 4-wide field 39 and no answerCodes is refused by --check-config; with answerCodes it is valid', (t) => {
  const dir = dialects(t);
  // The POS clients and the upstream on the one dialect (a 4-wide POS field 39 in front of a narrower one is refused: below).
  const check = (dialect: string): string => checkGatewayConfig(parseGatewayArgs(['--upstream', '127.0.0.1:9', '--dialect', dialect]).config);
  for (const flag of ['--client-dialect', '--dialect']) {
    const config = parseGatewayArgs(['--upstream', '127.0.0.1:9', flag, join(dir, 'wide.json')]).config;
    assert.throws(() => checkGatewayConfig(config), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG');
      assert.match(err.message, new RegExp(`${flag} .*wide\\.json: field 39 holds 4 characters, but the dialect's answerCodes name no code for 30, 68, 91, 94, 96: `));
      return true;
    });
  }
  assert.match(check(join(dir, 'mapped.json')), /gateway config is valid: /);
  // Valid because its approvals are read right with no approvalCodes (sr69q #2): the bank's undelivered 0000, a 0002
  // partial approval, are approval class, so reversed when the client never got them.
  const mapped = posDialect(parseGatewayArgs(['--upstream', '127.0.0.1:9', '--dialect', join(dir, 'mapped.json')]).config);
  assert.deepEqual(approvalCodesOf(mapped), ['0000']);
  for (const code of ['0000', '0002']) assert.ok(isApprovalClass(mapped, code, '0210'), code);
  // A code left out is the same hole: the gateway's own 30, 94 and 96 went out as 0030, 0094, 0096.
  assert.throws(() => check(join(dir, 'partial.json')), /partial\.json: field 39 holds 4 characters, but the dialect's answerCodes name no code for 30, 94, 96: /);
  // The built-ins and the imported jPOS packagers (field 39 of 2 or 3) are not refused.
  for (const builtin of ['iso87ascii', 'iso87binary', 'iso93ascii', 'iso93binary', 'smartvista']) assert.match(check(builtin), /^gateway config is valid: /, builtin);
  for (const packager of ['iso87ascii', 'iso87binary', 'iso87ascii-binary-bitmap', 'iso93ebcdic-custom', 'postpack']) {
    assert.match(check(vectorPath(`jpos/packagers/${packager}.xml`)), /^gateway config is valid: /, packager);
  }
});

test('gateway – a POS dialect with a 4-wide field 39 in front of an upstream of a narrower one is refused: the bank\'s 05 went out as 0005, an approval', (t) => {
  const dir = dialects(t);
  const check = (...args: string[]): string => checkGatewayConfig(parseGatewayArgs(['--upstream', '127.0.0.1:9', ...args]).config);
  assert.throws(() => check('--client-dialect', join(dir, 'cmf.json')), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ISO8583_ERR_GATEWAY_CONFIG');
    assert.match(err.message, /^--client-dialect .*cmf\.json: field 39 holds 4 characters, but the upstream's dialect iso87ascii has 2: the bank's codes would be padded to the POS side's width \(its decline 05 answered 0005, an approval there\)/);
    return true;
  });
  assert.match(check('--dialect', join(dir, 'cmf.json'), '--client-dialect', join(dir, 'mapped.json')), /^gateway config is valid: /);
  // An upstream whose field 39 holds up to 4 (LLVAR): its 05 travels as is and was packed 0005 (sr69q #5).
  assert.throws(() => check('--dialect', join(dir, 'llvar.json'), '--client-dialect', join(dir, 'cmf.json')), /--client-dialect .*cmf\.json: field 39 holds 4 characters, but the upstream's dialect llvar has up to 4: /);
  // A narrower POS dialect in front of a wide upstream is not this case (the bank's 0000 cannot be packed in it: approval-fit's warning).
  assert.match(check('--dialect', join(dir, 'cmf.json'), '--client-dialect', 'iso87ascii'), /gateway config is valid: /);
});

test('gateway – a request refused before the bank (91) is answered with the POS dialect\'s mapped code, never 0091', (t) => {
  const dir = dialects(t);
  const dialect = posDialect(parseGatewayArgs(['--upstream', '127.0.0.1:9', '--client-dialect', join(dir, 'mapped.json')]).config);
  const request = { 0: '2200', 11: '000001' };
  assert.equal(failureReply(request, { code: 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' }, dialect)?.['39'], '9001');
  assert.equal(failureReply(request, { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' }, dialect)?.['39'], '9009');
  assert.equal(failureReply(request, { code: 'SOMETHING_ELSE' }, dialect)?.['39'], '9004');
});

test('flow – an endpoint whose dialect has a 4-wide field 39 and names no answerCodes is refused; its approvals need no naming', (t) => {
  const dir = dialects(t);
  const file = join(dir, 'flow.json');
  const flow = (dialect: string): string[] => {
    writeFileSync(file, JSON.stringify({ inboundEndpoints: { pos: { port: 0, sequence: 'host-simulator', dialect } } }));
    return flowPathProblems(file);
  };
  const answers = /^\/inboundEndpoints\/pos\/dialect: dialect \w+: field 39 holds 4 characters, but the dialect's answerCodes name no code for 30, 68, 91, 94, 96: the endpoint's own 30 would be padded to 0030 /;
  for (const dialect of ['./wide.json', './approving.json']) {
    const problems = flow(dialect);
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0] as string, answers);
  }
  const partial = flow('./partial.json');
  assert.equal(partial.length, 1, partial.join('\n'));
  assert.match(partial[0] as string, /^\/inboundEndpoints\/pos\/dialect: dialect partial: field 39 holds 4 characters, but the dialect's answerCodes name no code for 30, 94, 96: the endpoint's own 30 would be padded to 0030 /);
  // No approvalCodes: the codec reads 0xxx as approval class (sr69q #3: the refusal an empty approvalClass bypassed is gone, not needed).
  assert.deepEqual(flow('./mapped.json'), []);
  assert.deepEqual(flow('./cmf.json'), []);
  assert.deepEqual(flow('iso87ascii'), []);
});
