// relaysBytes(given, link): the one rule of when `relay` writes a request's bytes as they came, which the `iso8583`
// traces read too: the same dialect (the codec's sameDialect) and no dialect header on the link.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDialect, relaysBytes, resolveDialect } from '@iso8583/codec';
import type { Dialect } from '@iso8583/codec';

test('relaysBytes – the same dialect without a header relays the bytes; another dialect or a dialect header does not', () => {
  const ascii = getDialect('iso87ascii');
  assert.equal(relaysBytes(ascii, ascii), true);
  assert.equal(relaysBytes(ascii, resolveDialect('iso87ascii')), true, 'the same dialect loaded twice');
  assert.equal(relaysBytes(ascii, getDialect('iso87binary')), false);
  const withHeader: Dialect = { ...ascii, headerLength: 5 };
  assert.equal(relaysBytes(withHeader, withHeader), false, 'the link writes its own dialect header');
});
