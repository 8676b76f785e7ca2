// The `matchKey` option is checked against the dialect before any socket opens: a field named twice, a field the
// dialect does not define, or one only a response carries (38, 39) is refused with ISO8583_ERR_CONNECTOR_OPTIONS
// naming matchKey. ["0", "39"] once keyed every request alike: the first timed out, the others DUPLICATE_KEY. So is a
// field of card data (["0", "2"] keyed by the PAN): a key is kept after its request ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';
import { createConnector, validateConnectorOptions } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';

/** The problems (`field: reason`) of a connector with `matchKey` (and `extra`), or none when it is accepted. */
function problemsOf(matchKey: unknown, extra: Record<string, unknown> = {}): string[] {
  try {
    validateConnectorOptions({ host: '127.0.0.1', port: 9, matchKey, ...extra });
    return [];
  } catch (err) {
    const e = err as { code?: string; problems?: Array<{ field: string; reason: string }>; message: string };
    assert.equal(e.code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
    return (e.problems ?? []).map((p) => `${p.field}: ${p.reason}`);
  }
}

test('matchKey option – a response-only field (38, 39) is refused naming matchKey', () => {
  for (const f of ['38', '39']) {
    const problems = problemsOf(['0', '11', f]);
    assert.equal(problems.length, 1, problems.join('; '));
    assert.match(problems[0] as string, new RegExp(`^matchKey: must not name field ${f}: only the host's answer carries it`));
  }
  assert.throws(() => createConnector({ host: '127.0.0.1', port: 9, matchKey: ['0', '39'] }), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS' });
});

test('matchKey option – a field of card data (PAN, tracks, PIN, EMV, a field the dialect marks) is refused naming matchKey and the field', () => {
  for (const f of ['2', '35', '36', '45', '52', '55']) {
    const problems = problemsOf(['0', f, '11']);
    assert.deepEqual(problems, [`matchKey: must not name field ${f}: it carries card data, which must not be a match key (keys are kept after their requests end)`], f);
    assert.doesNotMatch(problems.join(' '), /4111/);
  }
  const base = getDialect('iso87ascii');
  const marked: Dialect = { ...base, fields: { ...base.fields, '48': { ...base.fields['48']!, sensitive: 'cvv' } } };
  assert.deepEqual(problemsOf(['0', '11', '48']), [], 'field 48 unmarked is a key field like any other');
  assert.deepEqual(problemsOf(['0', '11', '48'], { dialect: marked }), ['matchKey: must not name field 48: it carries card data, which must not be a match key (keys are kept after their requests end)']);
  assert.throws(() => createConnector({ host: '127.0.0.1', port: 9, matchKey: ['0', '2'] }), { code: 'ISO8583_ERR_CONNECTOR_OPTIONS' });
});

test('matchKey option – a field named twice, or not in the dialect, is refused naming matchKey', () => {
  // Named twice: the schema's rule (uniqueItems), naming matchKey and the two places.
  assert.deepEqual(problemsOf(['0', '11', '11']), ['matchKey: must NOT have duplicate items (items ## 2 and 1 are identical)']);
  assert.deepEqual(problemsOf(['0', '0', '11']), ['matchKey: must NOT have duplicate items (items ## 1 and 0 are identical)']);
  for (const f of ['1', '129', '999', '011']) {
    assert.deepEqual(problemsOf(['0', f]), [`matchKey: must name fields of the dialect: ${f} is not one ("0" stands for the response MTI)`], f);
  }
  // A dialect that does not load is named itself; its fields are not guessed.
  assert.ok(problemsOf(['0', '11'], { dialect: 'no-such-dialect' }).every((p) => p.startsWith('dialect:')));
});

test('matchKey option – the default and a key of dialect fields are accepted', () => {
  assert.deepEqual(problemsOf(['0', '11', '41']), []);
  assert.deepEqual(problemsOf(['0', '11', '37', '41', '42']), []);
  assert.deepEqual(problemsOf(['11']), []);
});

test('matchKey option – a key of 0, 11 and 37 matches three requests in flight at once to their answers', async (t) => {
  const { peer, connector } = await peerAndConnector(t, () => undefined, { matchKey: ['0', '11', '37'], requestTimeout: 20_000 });
  await connector.connect();
  const pending = ['550001', '550002', '550003'].map((stan) => connector.request({ ...purchase(stan), '37': `RRN${stan}XYZ` }));
  const received = await peer.waitFor(3);
  for (const r of [...received].reverse()) peer.send(r.socket, answer(r.message));
  const answers = await Promise.all(pending);
  assert.deepEqual(answers.map((a) => [a['11'], a['37'], a['39']]), [['550001', 'RRN550001XYZ', '00'], ['550002', 'RRN550002XYZ', '00'], ['550003', 'RRN550003XYZ', '00']]);
});
