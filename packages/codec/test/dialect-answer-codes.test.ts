// A dialect's `answerCodes` (the codes of the answers the toolkit makes itself, read as given by responseCodeIn) are
// checked with the dialect: keys among the codes the toolkit answers with (30, 68, 91, 94, 96), values codes as wide as
// field 39 that say neither approved nor accepted. Before: `{ '68': '000' }` made the gateway answer "approved" for
// what it reverses, and a code of the wrong width made every failure answer fail to pack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromJson, getDialect, isIso8583Error, responseCodeIn } from '../src/index.js';
import type { Dialect } from '../src/index.js';

/** The fields `createCodec` refuses `answerCodes` under smartvista for. */
function refused(answerCodes: unknown): (string | undefined)[] {
  const dialect = { ...getDialect('smartvista'), answerCodes } as Dialect;
  try {
    createCodec(dialect);
  } catch (err) {
    assert.ok(isIso8583Error(err) && err.code === 'ISO8583_ERR_DIALECT_INVALID', String(err));
    return (err.problems ?? []).map((p) => p.field);
  }
  return [];
}

test('answerCodes – smartvista\'s own 9xx codes pass; each problem is refused naming answerCodes.<code>', () => {
  assert.deepEqual(refused(getDialect('smartvista').answerCodes), []);
  assert.deepEqual(refused({ '68': '000' }), ['answerCodes.68'], 'an approval for what the gateway reverses');
  assert.deepEqual(refused({ '68': '010' }), ['answerCodes.68'], 'a code of the approval class (a partial approval)');
  assert.deepEqual(refused({ '30': '400' }), ['answerCodes.30'], 'a reversal\'s acceptance');
  assert.deepEqual(refused({ '96': '96' }), ['answerCodes.96'], 'not as wide as field 39 (n 3)');
  assert.deepEqual(refused({ '96': 909 }), ['answerCodes.96'], 'not a string');
  assert.deepEqual(refused({ '05': '905' }), ['answerCodes.05'], 'not a code the toolkit answers with');
  assert.deepEqual(refused(['909']), ['answerCodes']);
});

test('answerCodes – the error message names answerCodes.<code>', () => {
  try {
    createCodec({ ...getDialect('smartvista'), answerCodes: { '68': '000' } });
    assert.fail('accepted');
  } catch (err) {
    assert.ok(isIso8583Error(err));
    assert.match(err.message, /answerCodes\.68/);
  }
});

test('answerCodes – a smartvista extension with a 2-character field 39 keeps its unused 9xx codes and answers in 1987 codes', () => {
  const narrow = dialectFromJson({ name: 'sv2', extends: 'smartvista', approvalCodes: ['00'], systemErrorCodes: ['91', '96'], fields: { '39': { type: 'an', length: 2 } } });
  assert.equal(responseCodeIn(narrow, '0200', '68'), '68');
});

test('answerCodes – a JSON dialect file names them (4 characters for a 4-wide field 39, never 0xxx: the 2003 edition\'s approvals); null drops those inherited', () => {
  const f39 = { type: 'n', length: 4, encoding: 'ascii' };
  const wide = dialectFromJson({ name: 'cmf', extends: 'iso87ascii', fields: { '39': f39 }, answerCodes: { '91': '9001', '68': '9009' } });
  assert.deepEqual(wide.answerCodes, { '91': '9001', '68': '9009' });
  assert.equal(responseCodeIn(wide, '2200', '91'), '9001');
  const problems = (answerCodes: unknown): (string | undefined)[] => {
    try {
      dialectFromJson({ name: 'cmf', extends: 'iso87ascii', fields: { '39': f39 }, answerCodes });
      return [];
    } catch (err) {
      assert.ok(isIso8583Error(err));
      return (err.problems ?? []).map((p) => p.field);
    }
  };
  assert.deepEqual(problems({ '91': '0091' }), ['answerCodes.91'], 'the 2003 edition reads 0091 as approved');
  // A network naming its own approval class still may not answer 0xxx of its own: a terminal reads the standard (sr69z #1).
  const named = (): unknown => dialectFromJson({ name: 'cmf', extends: 'iso87ascii', fields: { '39': f39 }, approvalClass: ['0000', '0002'], answerCodes: { '91': '0091' } });
  assert.throws(named, (err: unknown) => isIso8583Error(err) && (err.problems ?? []).some((p) => p.field === 'answerCodes.91'));
  assert.deepEqual(problems({ '91': '901' }), ['answerCodes.91'], 'not as wide as field 39 (n 4)');
  assert.deepEqual(problems({ '05': '9005' }).length, 1, 'not a code the gateway answers with');
  assert.equal(dialectFromJson({ name: 'sv', extends: 'smartvista', answerCodes: null }).answerCodes, undefined);
  assert.deepEqual(dialectFromJson({ name: 'sv', extends: 'smartvista' }).answerCodes, getDialect('smartvista').answerCodes);
});

test('answerCodes – a file extending a dialect merges its codes over the inherited ones: smartvista\'s 068 approval-class code stays mapped (sr69q #4)', () => {
  const sv = dialectFromJson({ name: 'sv', extends: 'smartvista', answerCodes: { '91': '912' } });
  assert.deepEqual(sv.answerCodes, { ...getDialect('smartvista').answerCodes, '91': '912' });
  assert.equal(responseCodeIn(sv, '0200', '68'), '911', 'not 068, an approval in SmartVista\'s 3-digit table');
  assert.equal(responseCodeIn(sv, '0200', '91'), '912');
});

test('answerCodes – a 4-wide field 39 refuses 4000 and 8000 too: the 2003 edition accepts a reversal and network management with them (sr69q #7)', () => {
  const f39 = { type: 'n', length: 4, encoding: 'ascii' };
  const codes = { '30': '9002', '68': '9009', '91': '9001', '94': '9003', '96': '9004' };
  for (const accepted of ['4000', '8000']) {
    assert.throws(() => dialectFromJson({ name: 'cmf', extends: 'iso87ascii', fields: { '39': f39 }, answerCodes: { ...codes, '96': accepted } }), (err: unknown) => {
      assert.ok(isIso8583Error(err));
      assert.deepEqual((err.problems ?? []).map((p) => p.field), ['answerCodes.96']);
      return true;
    }, accepted);
  }
  assert.deepEqual(dialectFromJson({ name: 'cmf', extends: 'iso87ascii', fields: { '39': f39 }, answerCodes: codes }).answerCodes, codes);
});
