// The gateway relays field 39 as the bank sent it: an upstream whose approval codes the POS dialect's field 39 cannot
// carry (SmartVista's 000 in iso87ascii's an 2) is warned of at start and by --check-config, naming the codes; so are
// upstreams of different dialects behind the HTTP port (POST /raw refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveDialect } from '@iso8583/codec';
import { approvalFitWarnings, approvalsUncarried } from '../src/gateway/approval-fit.js';
import { checkGatewayConfig } from '../src/gateway/check-config.js';
import { parseGatewayArgs } from '../src/gateway/config.js';

test('approval fit – SmartVista\'s approval code 000 does not fit iso87ascii\'s field 39; the same dialect always fits', () => {
  const smartvista = resolveDialect('smartvista');
  const ascii = resolveDialect('iso87ascii');
  assert.deepEqual(approvalsUncarried(smartvista, ascii), ['000']);
  assert.deepEqual(approvalsUncarried(ascii, ascii), []);
  assert.deepEqual(approvalsUncarried(smartvista, smartvista), []);
  assert.deepEqual(approvalFitWarnings([{ name: 'bank', dialect: smartvista }], ascii), [
    'the POS dialect\'s field 39 cannot carry approval code 000 of upstream bank: such an approval is answered 96 to the terminal and reversed',
  ]);
});

test('approval fit – --check-config prints a warning line before the summary for --dialect smartvista --client-dialect iso87ascii', () => {
  const warned = checkGatewayConfig(parseGatewayArgs(['--upstream', '127.0.0.1:9', '--dialect', 'smartvista', '--client-dialect', 'iso87ascii']).config);
  assert.match(warned, /^warning: the POS dialect's field 39 cannot carry approval code 000 of upstream upstream: .*\ngateway config is valid: /);
  assert.match(checkGatewayConfig(parseGatewayArgs(['--upstream', '127.0.0.1:9', '--dialect', 'smartvista']).config), /^gateway config is valid: /);
});

test('raw dialects – --check-config warns that POST /raw is refused when the upstreams speak different dialects, not when they share one or HTTP is off', () => {
  const config = (...more: string[]) => parseGatewayArgs(['--upstream', 'a=127.0.0.1:9', '--upstream', 'b=127.0.0.1:10', ...more]).config;
  const mixed = { ...config(), upstreams: [{ name: 'a', upstream: '127.0.0.1:9' }, { name: 'b', upstream: '127.0.0.1:10', dialect: 'iso87binary' }] };
  assert.match(checkGatewayConfig(mixed), /^warning: the upstreams speak different dialects \(a: iso87ascii, b: iso87binary\): POST \/raw is refused \(501 ISO8583_ERR_CONNECTOR_RAW_DIALECTS\); send JSON or XML to POST \/\ngateway config is valid: /);
  assert.match(checkGatewayConfig({ ...mixed, httpEnabled: false }), /^gateway config is valid: /);
  assert.match(checkGatewayConfig(config()), /^gateway config is valid: /);
});
