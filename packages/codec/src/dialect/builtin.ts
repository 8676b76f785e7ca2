/**
 * The built-in dialects: the 1987 table ({@link ISO8583_1987}) and the 1993 table laid out in the two common wire
 * formats each. Each layout
 * says only how a kind of element travels; the fields come from the table, so no field is written twice.
 *
 * - `iso87ascii`: jPOS `iso87ascii.xml` (ISO87APackager) and WSO2 `jposdef.xml`: ASCII MTI, hex bitmap, numerics
 *   as ASCII digits (`IFA_NUMERIC`, `IFA_LLNUM`), amounts with their sign (`IFA_AMOUNT`), text `IF_CHAR` /
 *   `IFA_LLCHAR` / `IFA_LLLCHAR`, binary fields as hex characters (`IFA_BINARY`).
 * - `iso87binary`: jPOS `iso87binary.xml` (ISO87BPackager): BCD MTI, binary bitmap, fixed numerics as
 *   right-justified BCD (`IFB_NUMERIC`), variable numerics and track 2 as left-justified BCD with a BCD length
 *   (`IFB_LLNUM`), amounts as an ASCII sign and BCD digits (`IFB_AMOUNT`), text with a BCD length
 *   (`IFB_LLCHAR`, `IFB_LLLCHAR`), raw binary fields (`IFB_BINARY`), field 55 as `IFB_LLLBINARY`.
 *
 * - `iso93ascii`: the 1993 table ({@link ISO8583_1993}) in the layout of jPOS `iso93ascii.xml` (ISO93APackager): as
 *   `iso87ascii`, except that variable binary fields (53, 55, 96: `IFA_LLBINARY`, `IFA_LLLBINARY`) travel as raw bytes
 *   after an ASCII length.
 * - `iso93binary`: the 1993 table in the layout of jPOS `iso93binary.xml` (ISO93BPackager): as `iso87binary`, except
 *   that every BCD numeric is left-justified (`pad="false"`: an odd number of digits is followed by a 0 nibble) and
 *   track 2 travels as characters behind a BCD length (`IFB_LLCHAR`).
 * - `smartvista`: the SmartVista host flavour of SocketQueue (its `smartVista` packager): `iso87ascii` with a binary
 *   bitmap, field 12 n12 (YYMMDDhhmmss), 14 n6, 24 n3 (function code), 39 n3 (approved is `000`), 41 n8, 42 n15 and
 *   49 n3 (numeric, so zero-padded on the left), 52 and 55 raw bytes behind a BCD length of 1 and 2 bytes, 64 as 8
 *   characters.
 *
 * Where jPOS's 1987 wire format differs from the standard, the dialects follow jPOS so that jPOS images round trip:
 * field 93 is 6 characters (standard: 5), field 96 is 16 bytes (standard: b 64, 8 bytes), and `iso87binary` field 55
 * is binary. WSO2's `jposdef.xml` has field 52 as `IF_CHAR` 16 where jPOS has `IFA_BINARY` 8: the same 16 bytes on
 * the wire for hex data; `iso87ascii` follows jPOS (the message shows the PIN block as hex).
 */
import type { Dialect, FieldSpec } from '../types.js';
import type { DataElement } from './iso8583-1987.js';
import { ISO8583_1987 } from './iso8583-1987.js';
import { ISO8583_1993 } from './iso8583-1993.js';
import { codecError } from '../errors.js';
import { ownAnswerActionCodes } from '../action-code.js';

/** Where the jPOS layouts differ from the standard: field number -> the changed properties. */
const JPOS_WIRE: Readonly<Record<number, Partial<FieldSpec>>> = {
  93: { length: 6 },
  96: { length: 16 },
};

function prefixDigits(element: DataElement): number {
  return element[3] === 'LLVAR' ? 2 : 3;
}

function base(element: DataElement): FieldSpec {
  const [, type, length, , name, sensitive] = element;
  const spec: FieldSpec = { name, type, length, encoding: 'ascii' };
  if (sensitive !== undefined) spec.sensitive = sensitive;
  return spec;
}

/** iso87ascii: every element as ASCII characters, lengths as ASCII digits, binary as hex characters. */
function asciiLayout(element: DataElement): FieldSpec {
  const spec = base(element);
  if (spec.type === 'b') spec.encoding = 'hex';
  if (element[3] !== 'fixed') spec.prefix = { encoding: 'ascii', digits: prefixDigits(element) };
  return spec;
}

/** iso93ascii: as iso87ascii, variable binary fields raw after their ASCII length (jPOS IFA_LLBINARY). */
function ascii93Layout(element: DataElement): FieldSpec {
  const spec = asciiLayout(element);
  if (spec.type === 'b' && spec.prefix !== undefined) spec.encoding = 'binary';
  return spec;
}

/** iso93binary: BCD numerics all left-justified (ISO93BPackager pad=false), track 2 as characters (IFB_LLCHAR). */
function binary93Layout(element: DataElement): FieldSpec {
  const spec = binaryLayout(element);
  if (spec.encoding === 'bcd') spec.justify = 'left';
  if (spec.type === 'z') {
    spec.encoding = 'ascii';
    delete spec.justify;
  }
  return spec;
}

/** iso87binary: numerics in BCD, lengths in BCD, binary as raw bytes, text as ASCII. */
function binaryLayout(element: DataElement): FieldSpec {
  const spec = base(element);
  const variable = element[3] !== 'fixed';
  if (spec.type === 'n' || spec.type === 'z' || spec.type === 'xn') {
    spec.encoding = 'bcd';
    // IFB_LLNUM (pad="false") keeps the digits on the left; IFB_NUMERIC (pad="true") on the right.
    if (variable) spec.justify = 'left';
  } else if (spec.type === 'b') {
    spec.encoding = 'binary';
  }
  if (element[0] === 55) {
    spec.type = 'b';
    spec.encoding = 'binary';
  }
  if (variable) spec.prefix = { encoding: 'bcd', digits: prefixDigits(element) };
  return spec;
}

function build(
  name: string,
  description: string,
  head: Pick<Dialect, 'mti' | 'bitmap'>,
  layout: (element: DataElement) => FieldSpec,
): Dialect {
  const fields: Record<string, FieldSpec> = {};
  for (const element of ISO8583_1987) {
    fields[String(element[0])] = { ...layout(element), ...JPOS_WIRE[element[0]] };
  }
  return { name, description, ...head, fields };
}

/** SmartVista's changes to `iso87ascii`, field by field (SocketQueue `lib/iso8583/lib/packager/smartVista.js`). */
const SMARTVISTA_FIELDS: Readonly<Record<number, Partial<FieldSpec>>> = {
  12: { name: 'TIME, LOCAL TRANSACTION (YYMMDDhhmmss)', length: 12 },
  14: { length: 6 },
  24: { name: 'FUNCTION CODE' },
  39: { type: 'n', length: 3 },
  41: { type: 'n' },
  42: { type: 'n' },
  49: { type: 'n' },
  52: { encoding: 'binary', length: 8, prefix: { encoding: 'bcd', digits: 2 } },
  55: { type: 'b', encoding: 'binary', length: 255, prefix: { encoding: 'bcd', digits: 4 } },
  64: { type: 'ans', encoding: 'ascii' },
};

function smartvista(): Dialect {
  const dialect = build(
    'smartvista',
    'SmartVista host flavour of SocketQueue: ASCII MTI and fields, binary bitmap, n3 response code (approved: 000)',
    { mti: { encoding: 'ascii' }, bitmap: { encoding: 'binary' } },
    asciiLayout,
  );
  for (const [id, change] of Object.entries(SMARTVISTA_FIELDS)) dialect.fields[id] = { ...dialect.fields[id]!, ...change };
  dialect.approvalCodes = ['000'];
  // SocketQueue's SmartVista system errors (its packager's sysErrors, `isSystemFaulty`): a reversal answered with one is
  // repeated. With 909 and 911, the codes of the gateway's and endpoint's own 96 and 68 below (system malfunction; the
  // request reached the host or may have, no answer): a reversal so answered was not known to be done, and is repeated
  // as the editions' defaults repeat it (1987 96, 1993 909 and 911).
  dialect.systemErrorCodes = ['005', '120', '902', '903', '907', '909', '910', '911', '912'];
  // SmartVista's codes (9xx, as its system errors above) for the answers the gateway and endpoint make themselves: a
  // 1987 code in its n3 field 39 (091, 068, 030) would read as an approval (0xx) by the classes of SmartVista's table.
  dialect.answerCodes = ownAnswerActionCodes();
  // SocketQueue's SmartVista reversal: function code 400, 25 as the original's, no field 90, field 7 now on each attempt.
  dialect.reversal = { set: { '24': '400' }, copy: ['25'], originalData: false, freshTransmissionTime: true };
  // SmartVista's 0800 (SocketQueue's obligatory 3, 24, 41): the function code in 24, echo test 831. Its answer to the
  // host's own 0800 (SocketQueue's replyUpstreamEcho): without 24 and 42, with a retrieval reference number in 37.
  dialect.networkManagement = {
    field: '24',
    codes: { 'sign-on': '801', 'sign-off': '802', echo: '831' },
    set: { '3': '990000', '41': '00000000' },
    answer: { omit: ['24', '42'], retrievalReference: true },
  };
  return dialect;
}

/** A 1993 dialect: the 1993 table as it is (jPOS's 1993 layouts keep the standard's lengths). */
function build93(name: string, description: string, head: Pick<Dialect, 'mti' | 'bitmap'>, layout: (element: DataElement) => FieldSpec): Dialect {
  const fields: Record<string, FieldSpec> = {};
  for (const element of ISO8583_1993) fields[String(element[0])] = layout(element);
  // Field 39 is the action code (n 3): 000 is approved.
  return { name, description, version: '1993', ...head, fields, approvalCodes: ['000'] };
}

const DIALECTS: Readonly<Record<string, () => Dialect>> = {
  iso87ascii: () =>
    build(
      'iso87ascii',
      'ISO 8583:1987, ASCII: ASCII MTI and fields, hex bitmap (jPOS iso87ascii.xml, WSO2 jposdef.xml)',
      { mti: { encoding: 'ascii' }, bitmap: { encoding: 'hex' } },
      asciiLayout,
    ),
  iso87binary: () =>
    build(
      'iso87binary',
      'ISO 8583:1987, binary: BCD MTI and numerics, binary bitmap, BCD lengths (jPOS iso87binary.xml)',
      { mti: { encoding: 'bcd' }, bitmap: { encoding: 'binary' } },
      binaryLayout,
    ),
  iso93ascii: () =>
    build93(
      'iso93ascii',
      'ISO 8583:1993, ASCII: ASCII MTI and fields, hex bitmap (jPOS iso93ascii.xml)',
      { mti: { encoding: 'ascii' }, bitmap: { encoding: 'hex' } },
      ascii93Layout,
    ),
  iso93binary: () =>
    build93(
      'iso93binary',
      'ISO 8583:1993, binary: BCD MTI and numerics, binary bitmap, BCD lengths (jPOS iso93binary.xml)',
      { mti: { encoding: 'bcd' }, bitmap: { encoding: 'binary' } },
      binary93Layout,
    ),
  smartvista,
};

/** The names of the built-in dialects. */
export const BUILTIN_DIALECTS: readonly string[] = Object.keys(DIALECTS);

/**
 * Returns a built-in dialect by name: a new object each time (callers may change their copy). Throws
 * `ISO8583_ERR_DIALECT_UNKNOWN`.
 */
export function getDialect(name: string): Dialect {
  const make = Object.prototype.hasOwnProperty.call(DIALECTS, name) ? DIALECTS[name] : undefined;
  if (make === undefined) {
    throw codecError('ISO8583_ERR_DIALECT_UNKNOWN', `unknown dialect ${JSON.stringify(String(name))}; built in: ${BUILTIN_DIALECTS.join(', ')}`, {
      field: 'dialect',
    });
  }
  return make();
}
