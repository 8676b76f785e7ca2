/**
 * `iso8583 encode`: a message (JSON or `ISOMessage` XML on stdin) to its wire image as uppercase hex, framed when
 * `--frame` is given.
 */
import { createCodec, encodeFrame } from '@iso8583/codec';
import type { PackOptions } from '@iso8583/codec';
import { parseCommandArgs } from '../args.js';
import { flagHelp, flagSpecs, readFlagTable } from '../flag-table.js';
import type { FlagRow } from '../flag-table.js';
import { DIALECT_FLAGS, DIALECT_HELP, FRAME_FLAGS, FRAME_HELP, framingOptions, readDialectFlags, readFrameFlags } from '../flags.js';
import type { CommandIo } from '../io.js';
import { processIo, writeText } from '../io.js';
import { readInputMessage } from './message-input.js';
import { placeHeaders } from '../message-header.js';

/** The command's own flags. */
const ROWS: readonly FlagRow[] = [
  { flag: 'input', short: 'i', kind: 'choice', arg: 'KIND', choices: ['json', 'xml'], defaultText: 'whichever the input is (XML when it starts with <)', help: 'json or xml' },
];

const FLAGS = { ...flagSpecs(ROWS), ...DIALECT_FLAGS, ...FRAME_FLAGS };

/** The help text of `iso8583 encode`. */
export const ENCODE_HELP = `Usage: iso8583 encode [flags] < MESSAGE

Reads one message on stdin (JSON keyed by field number, or ISOMessage XML) and prints its wire image as uppercase
hex. With --frame the length header (and --header-hex) come first. The bitmap is computed.

${flagHelp(ROWS)}

${DIALECT_HELP}

${FRAME_HELP}
  Without --frame, --header-hex is printed before the message. A header in the input (<header>, base64, in XML;
  "header", hex, in JSON: what decode prints) is the dialect's header when the dialect has one (of its length), else
  the fixed frame header (unless --header-hex is given; of the --header-bytes length, when given, or refused). Without
  one, the dialect's header is zeros.

Example:
  echo '{"0":"0800","11":"000001","70":"301"}' | iso8583 encode --frame binary2
`;

/** Runs `iso8583 encode` with its arguments (after the command name); resolves to the exit code. */
export async function encodeCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const { values, help } = parseCommandArgs(argv, FLAGS, 0);
  if (help) {
    await writeText(io.stdout, ENCODE_HELP);
    return 0;
  }
  const input = readFlagTable(ROWS, values).input as 'json' | 'xml' | undefined;
  const { dialect, lenient } = readDialectFlags(values);
  const frame = readFrameFlags(values);
  const codec = createCodec(dialect, { lenient });
  const read = await readInputMessage(io, codec.dialect, input);
  const placed = placeHeaders(dialect, frame, values['header-bytes'] !== undefined, read.header);
  const packOptions: PackOptions = {};
  if (placed.dialectHeader !== undefined) packOptions.header = placed.dialectHeader;
  const payload = codec.pack(read.message, packOptions);
  const header = placed.frameHeader;
  let wire: Buffer;
  if (frame.frame !== undefined) {
    const options = framingOptions({ ...frame, headerBytes: header?.length ?? frame.headerBytes }, codec, lenient);
    wire = encodeFrame(payload, options, header ?? Buffer.alloc(options.headerBytes ?? 0));
  } else {
    const fixed = header ?? Buffer.alloc(frame.headerBytes);
    wire = fixed.length === 0 ? payload : Buffer.concat([fixed, payload]);
  }
  await writeText(io.stdout, `${wire.toString('hex').toUpperCase()}\n`);
  return 0;
}
