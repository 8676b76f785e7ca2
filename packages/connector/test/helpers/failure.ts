import assert from 'node:assert/strict';
import type { Iso8583Error } from '@iso8583/codec';

/** The error `promise` rejects with (the test fails if it resolves). */
export async function failure(promise: Promise<unknown>): Promise<Iso8583Error> {
  try {
    await promise;
  } catch (err) {
    return err as Iso8583Error;
  }
  assert.fail('the request was answered');
}
