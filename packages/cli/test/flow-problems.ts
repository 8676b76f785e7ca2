/**
 * The problems of loading a flow file, as the tests of its checks compare them: [] when it loads, else the problems of
 * its ISO8583_ERR_FLOW_INVALID (any other error fails the test).
 */
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { isIso8583Error } from '@iso8583/codec';
import { loadFlow } from '../src/index.js';

/** The problems of loading `file` with `env`, each `flow.json:LINE:COLUMN /path: reason` (its folder cut off), or []. */
export function flowProblems(file: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    loadFlow(file, env);
    return [];
  } catch (err) {
    assert.ok(isIso8583Error(err));
    assert.equal(err.code, 'ISO8583_ERR_FLOW_INVALID', err.message);
    return (err.problems ?? []).map((p) => `${p.field.slice(dirname(file).length + 1)}: ${p.reason}`);
  }
}

/** {@link flowProblems} without the place in the file: each `/path: reason`. */
export function flowPathProblems(file: string, env: NodeJS.ProcessEnv = {}): string[] {
  return flowProblems(file, env).map((p) => p.replace(/^\S+:\d+:\d+ /, ''));
}
