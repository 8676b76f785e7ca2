// responseMti: the one response-MTI rule (jPOS ISOMsg.setResponseMTI), for 1987, 1993 and 2003 MTIs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectsResponse, responseMti } from '../src/index.js';

/** [request MTI, answer MTI]: function digit + 1, origin 0/1 -> 0, 2/3 -> 2, 4/5 -> 4. */
const ANSWERED: readonly [string, string][] = [
  ['0100', '0110'],
  ['0101', '0110'],
  ['0120', '0130'],
  ['0121', '0130'],
  ['0200', '0210'],
  ['0201', '0210'],
  ['0202', '0212'],
  ['0203', '0212'],
  ['0204', '0214'],
  ['0205', '0214'],
  ['0220', '0230'],
  ['0221', '0230'],
  ['0400', '0410'],
  ['0401', '0410'],
  ['0420', '0430'],
  ['0421', '0430'],
  ['0500', '0510'],
  ['0600', '0610'],
  ['0800', '0810'],
  ['0801', '0810'],
  ['0820', '0830'],
  // ISO 8583:1993: version 1, notification (4) -> notification acknowledgement (5).
  ['1100', '1110'],
  ['1200', '1210'],
  ['1220', '1230'],
  ['1304', '1314'],
  ['1420', '1430'],
  ['1421', '1430'],
  ['1644', '1654'],
  ['1804', '1814'],
  // ISO 8583:2003: instruction (6) -> instruction acknowledgement (7).
  ['2160', '2170'],
  // Private version.
  ['9200', '9210'],
];

for (const [request, answer] of ANSWERED) {
  test(`responseMti – ${request} is answered with ${answer}`, () => {
    assert.equal(responseMti(request), answer);
    assert.equal(expectsResponse(request), true);
  });
}

/** MTIs that get no answer, and why. */
const UNANSWERED: readonly [string, string][] = [
  ['0210', 'already a request response'],
  ['0410', 'already a reversal response'],
  ['0430', 'already an advice response'],
  ['0810', 'already a network response'],
  ['1314', 'already a notification acknowledgement'],
  ['1180', 'a response acknowledgement expects nothing'],
  ['0206', 'origin 6 is reserved'],
  ['0209', 'origin 9 is reserved'],
  ['', 'empty'],
  ['020', 'three digits'],
  ['02000', 'five digits'],
  ['02A0', 'not a digit'],
  ['０２００', 'full-width digits'],
];

for (const [mti, why] of UNANSWERED) {
  test(`responseMti – ${JSON.stringify(mti)} gets no answer (${why})`, () => {
    assert.equal(responseMti(mti), undefined);
    assert.equal(expectsResponse(mti), false);
  });
}

test('responseMti – the answer of an answer is never defined (the rule does not loop)', () => {
  for (const [request] of ANSWERED) {
    const answer = responseMti(request) as string;
    assert.equal(responseMti(answer), undefined, `${request} -> ${answer}`);
  }
});
