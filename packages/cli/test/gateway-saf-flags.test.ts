// `--saf-max-in-flight N` (config key `safMaxInFlight`): the most SAF attempts in flight at once to an upstream, the
// connector's `saf.maxInFlight` (a backlog after an outage sent at this pace); 64 without it, as the connector's own.
// `--saf-max-entries N` (`safMaxEntries`): the connector's `saf.maxEntries`, 100000 without it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { gatewayHelp, parseGatewayArgs } from '../src/gateway/config.js';
import { upstreamOptions } from '../src/gateway/upstream-options.js';

const silent = pino({ level: 'silent' });
const UPSTREAM = ['--upstream', '127.0.0.1:9'];

test('gateway --saf-max-in-flight – becomes the connector\'s saf.maxInFlight, every upstream\'s; 64 without it; in the help', () => {
  assert.equal(upstreamOptions(parseGatewayArgs(UPSTREAM).config, silent, undefined).saf?.maxInFlight, 64);
  assert.equal(upstreamOptions(parseGatewayArgs([...UPSTREAM, '--saf-max-in-flight', '8']).config, silent, undefined).saf?.maxInFlight, 8);
  const several = parseGatewayArgs(['--upstream', 'a=127.0.0.1:9', '--upstream', 'b=127.0.0.1:10', '--saf-max-in-flight=2']).config;
  for (const u of several.upstreams ?? []) assert.equal(upstreamOptions(several, silent, undefined, u).saf?.maxInFlight, 2, u.name);
  assert.match(gatewayHelp(), /--saf-max-in-flight N\b.*SAF attempts in flight/);
});

test('gateway --saf-max-entries – becomes the connector\'s saf.maxEntries, every upstream\'s; 100000 without it; in the help', () => {
  assert.equal(upstreamOptions(parseGatewayArgs(UPSTREAM).config, silent, undefined).saf?.maxEntries, 100_000);
  assert.equal(upstreamOptions(parseGatewayArgs([...UPSTREAM, '--saf-max-entries', '0']).config, silent, undefined).saf?.maxEntries, 0);
  const several = parseGatewayArgs(['--upstream', 'a=127.0.0.1:9', '--upstream', 'b=127.0.0.1:10', '--saf-max-entries=5000']).config;
  for (const u of several.upstreams ?? []) assert.equal(upstreamOptions(several, silent, undefined, u).saf?.maxEntries, 5000, u.name);
  assert.match(gatewayHelp(), /--saf-max-entries N\b.*SAF entries not yet ended/);
});
