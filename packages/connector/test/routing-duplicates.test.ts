// An upstream group's routing rules: two default routes (no criteria), or two rules with the same criteria, were
// accepted although the later can never win (every request goes to the first: an operator reading the list thinks they
// configured a failover or a split). Refused at construction, naming both rules (index and upstream). Criteria are
// compared as matching reads them (an absent one and one given as `undefined` are the same); rules that only overlap
// (`pan: '4'` and `pan: '41'`, a criterion more) stay accepted: the longer prefix or the one with more criteria wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createUpstreamGroup } from '../src/index.js';
import type { RouteRule } from '../src/index.js';

const upstreams = [
  { name: 'a', host: '127.0.0.1', port: 1 },
  { name: 'b', host: '127.0.0.1', port: 2 },
];

/** The problems of a group made with `routes` (the group is destroyed when it is made). */
function problemsOf(routes: RouteRule[]): { field: string; reason: string }[] {
  try {
    void createUpstreamGroup({ upstreams, routes }).destroy();
    return [];
  } catch (err) {
    assert.equal((err as { code?: string }).code, 'ISO8583_ERR_CONNECTOR_OPTIONS');
    return (err as { problems: { field: string; reason: string }[] }).problems;
  }
}

test('routes – two default routes are refused naming both rules', () => {
  const problems = problemsOf([{ pan: '4', upstream: 'a' }, { upstream: 'a' }, { upstream: 'b' }]);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.equal(problems[0]?.field, 'routes[2]');
  assert.match(problems[0]?.reason ?? '', /routes\[1\] \(upstream "a"\)/);
  assert.match(problems[0]?.reason ?? '', /upstream "b"/);
  assert.match(problems[0]?.reason ?? '', /default route/);
});

test('routes – two rules with the same criteria are refused, an undefined criterion read as absent', () => {
  const problems = problemsOf([
    { pan: '4', mtiClass: '2', upstream: 'a' },
    { mtiClass: '2', pan: '4', processingCode: undefined, upstream: 'b' },
  ]);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.equal(problems[0]?.field, 'routes[1]');
  assert.match(problems[0]?.reason ?? '', /routes\[0\] \(upstream "a"\)/);
  assert.match(problems[0]?.reason ?? '', /can never/);
});

test('routes – overlapping rules (a longer prefix, a criterion more, another class) stay accepted', () => {
  assert.deepEqual(
    problemsOf([
      { pan: '4', upstream: 'a' },
      { pan: '41', upstream: 'b' },
      { pan: '4', mtiClass: '2', upstream: 'b' },
      { pan: '4', mtiClass: '4', upstream: 'a' },
      { upstream: 'a' },
    ]),
    [],
  );
});
