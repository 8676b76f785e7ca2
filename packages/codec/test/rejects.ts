// One way for the view tests to say "this call throws the coded error `code`": returns the error for more checks.
import assert from 'node:assert/strict';
import { Iso8583Error } from '../src/index.js';

/** Calls `fn`, which must throw an {@link Iso8583Error} of `code`; returns it. */
export function rejects(fn: () => unknown, code: string): Iso8583Error {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Iso8583Error, String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}
