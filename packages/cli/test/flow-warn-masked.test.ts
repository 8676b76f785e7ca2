// The two warn lines of onError's verdict (on-error-verdict.ts: ISO8583_WARN_FLOW_APPROVAL_AMBIGUOUS and
// ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL) show fields 11 and 41 as `summarize` does (decline-wait.ts's line too): a
// PAN given as field 41 (a lenient dialect lets it through) or as a STAN is masked. Before, both were printed raw.
// The books are stand-ins giving only what the lines read (their links and STANs): the lines' text is what is tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InboundMessage } from '@iso8583/inbound';
import { approvalToldAmbiguously, standInAfterApproval } from '../src/flow/on-error-verdict.js';
import type { MessageAnswers } from '../src/flow/message-answers.js';

const PAN = '4111111111111111';
const message = { mti: '0200', fields: { 0: '0200', 11: '000977', 41: PAN } } as unknown as InboundMessage;
const book = {
  toldAmbiguously: () => [{ upstream: 'primary', stan: PAN }, { upstream: 'backup', stan: 977 }],
  approvingLinks: () => ['primary'],
} as unknown as MessageAnswers;

test('flow warn masked – ISO8583_WARN_FLOW_APPROVAL_AMBIGUOUS masks a PAN given as field 41 or as a STAN', () => {
  const line = approvalToldAmbiguously(message, 'sequence', book, undefined) as string;
  assert.match(line, /^ISO8583_WARN_FLOW_APPROVAL_AMBIGUOUS: onError answered MTI 0200 STAN 000977 terminal 411111\*{6}1111 .*\(primary STAN 411111\*{6}1111, backup STAN 977\)/);
  assert.doesNotMatch(line, /4111111111111111/, line);
});

test('flow warn masked – ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL masks a PAN given as field 41', () => {
  const line = standInAfterApproval(message, true, 'neither', book, book) as string;
  assert.match(line, /^ISO8583_WARN_FLOW_STAND_IN_AFTER_APPROVAL: onError answered MTI 0200 STAN 000977 terminal 411111\*{6}1111 with/);
  assert.doesNotMatch(line, /4111111111111111/, line);
});
