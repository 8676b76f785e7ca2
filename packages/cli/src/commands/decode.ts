/**
 * `iso8583 decode`: a wire image (hex argument, or bytes on stdin) to JSON, `ISOMessage` XML or the masked
 * description. With `--frame`, the input is a stream of frames and every message is printed.
 */
import { createCodec, describe, FrameDecoder, Iso8583Error, maskHeader, toJson, toXml } from '@iso8583/codec';
import type { Codec, Decoded, Frame, IsoMessage } from '@iso8583/codec';
import type { FlagValues } from '../args.js';
import { cliError, parseCommandArgs } from '../args.js';
import { flagHelp, flagSpecs, readFlagTable } from '../flag-table.js';
import type { FlagRow } from '../flag-table.js';
import { DIALECT_FLAGS, DIALECT_HELP, FRAME_FLAGS, FRAME_HELP, framingOptions, hexToBytes, readDialectFlags, readFrameFlags } from '../flags.js';
import type { CommandIo } from '../io.js';
import { inputStream, inputTooLarge, MAX_INPUT_BYTES, processIo, readInputText, writeText } from '../io.js';

/** The output formats of `decode`. */
export type DecodeFormat = 'json' | 'xml' | 'describe';

/** The command's own flags. */
const ROWS: readonly FlagRow[] = [
  {
    flag: 'format', short: 'o', kind: 'choice', arg: 'FORMAT', choices: ['json', 'xml', 'describe'], default: 'json',
    help: 'json (one object per message, keyed by field number), xml (ISOMessage) or describe (field names, card data masked)',
  },
  { flag: 'input', short: 'i', kind: 'choice', arg: 'KIND', choices: ['raw', 'hex'], default: 'raw', help: 'what stdin holds: raw (bytes) or hex (hex text)' },
];

const FLAGS = { ...flagSpecs(ROWS), ...DIALECT_FLAGS, ...FRAME_FLAGS };

/** The help text of `iso8583 decode`. */
export const DECODE_HELP = `Usage: iso8583 decode [flags] [HEX]

Decodes a wire image: the hex argument, or the bytes on stdin when no argument is given. With --frame the input
is a stream of frames (a length header before each message) and every message is printed.

json and xml print every field as it is on the wire, card data included (PAN, tracks, PIN block, field 55): decode
is the tool to see a message whole. --format describe masks them (PAN as first 6 and last 4 digits), and
a card number a peer put in a header is masked too, with the track data after it (the rest of a header is
shown as it is).
The header bytes come with the fields ("header" in hex in JSON, <header> in base64 in XML): the dialect's header
when the dialect has one (a fixed frame header besides it is shown by describe only: give it to encode with
--header-hex), else the fixed frame header (--header-bytes); encode reads them back by the same rule, so decode
then encode gives the same bytes.

${flagHelp(ROWS)}

${DIALECT_HELP}

${FRAME_HELP}

Examples:
  iso8583 decode 30383030383232303030303030303030303030303034303030303030303030303030303031313231313033303030303030303031333031
  iso8583 decode --frame ascii4 --format describe < capture.bin
`;

/** One decoded message and the header bytes before it. */
interface DecodedItem {
  message: IsoMessage;
  /**
   * The header the views show (`"header"` in JSON, `<header>` in XML): the dialect's message header when the dialect
   * has one, else the fixed frame header (`--header-bytes`). `encode` reads it back by the same rule.
   */
  header: Buffer;
  /** The fixed frame header as well, when the dialect has a header of its own (shown by describe only). */
  frameHeader?: Buffer;
  /** In a `--frame` stream: the frame's number (from 1) and where it starts in the input, for an error of its view. */
  frame?: { number: number; offset?: number };
}

/** The item of a message decoded after `frameHeader` (empty when there is none). */
function itemOf(message: IsoMessage, dialectHeader: Buffer, frameHeader: Buffer): DecodedItem {
  if (dialectHeader.length === 0) return { message, header: frameHeader };
  return frameHeader.length === 0 ? { message, header: dialectHeader } : { message, header: dialectHeader, frameHeader };
}

/**
 * Cuts the input into messages per the framing flags (or takes it whole as one bare message) and hands each decoded
 * message to `emit` in order. Framed input is decoded as it arrives, so that `nc host port | iso8583 decode --frame
 * binary2` prints each message when it comes, and the messages before a bad one are still printed.
 */
async function decodeAll(
  chunks: AsyncIterable<Buffer>,
  codec: Codec,
  values: FlagValues,
  lenient: boolean,
  emit: (item: DecodedItem) => Promise<void>,
): Promise<void> {
  const frame = readFrameFlags(values);
  if (frame.frame === undefined) {
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > MAX_INPUT_BYTES) throw inputTooLarge('the wire image', ' (a stream of messages: give --frame)');
      parts.push(chunk);
    }
    const bytes = Buffer.concat(parts);
    if (bytes.length === 0) throw cliError('ISO8583_ERR_CLI_INPUT', 'the input is empty');
    const headerBytes = frame.headerBytes;
    if (bytes.length <= headerBytes) {
      throw cliError('ISO8583_ERR_CLI_INPUT', `the input is not longer than --header-bytes (${headerBytes})`);
    }
    const decoded = codec.decode(bytes.subarray(headerBytes), { lenient });
    await emit(itemOf(decoded.message, decoded.header, bytes.subarray(0, headerBytes)));
    return;
  }
  const decoder = new FrameDecoder(framingOptions(frame, codec, lenient));
  let total = 0;
  let read = 0;
  for await (const chunk of chunks) {
    read += chunk.length;
    let frames: readonly Frame[];
    let bad: unknown;
    try {
      frames = decoder.push(chunk);
    } catch (err) {
      // The frames the chunk brought before the bad length header are printed first, as any frame before a bad one.
      frames = decoder.framesBeforeFailure;
      bad = err;
    }
    for (const f of frames) {
      let decoded: Decoded;
      try {
        decoded = codec.decode(f.payload, { lenient });
      } catch (err) {
        throw inFrame(err, total + 1, f.offset);
      }
      total += 1;
      await emit({ ...itemOf(decoded.message, decoded.header, f.header), frame: { number: total, offset: f.offset } });
    }
    if (bad !== undefined) throw inFrame(bad, decoder.frames + 1);
  }
  if (read === 0) throw cliError('ISO8583_ERR_CLI_INPUT', 'the input is empty');
  if (decoder.bufferedBytes > 0) {
    throw cliError('ISO8583_ERR_CLI_INPUT',
      `the input ends inside a frame (${decoder.bufferedBytes} bytes left after ${total} complete frames)`);
  }
  if (total === 0) throw cliError('ISO8583_ERR_CLI_INPUT', 'the input holds no message (keep-alives only)');
}

/**
 * The error of one frame of a `--frame` stream that did not decode, whose view refused it (XML), or whose length
 * header is bad, naming the frame
 * after the codec's reason: its number (counting from 1, keep-alives aside) and `offset`, where it starts in the input (its length header's
 * first byte; `at` when the codec's reason does not say it already: a framing error does). The code, field and reason
 * are the codec's, its error the `cause`; anything else as it is.
 */
function inFrame(err: unknown, frame: number, at?: number): unknown {
  if (!(err instanceof Iso8583Error)) return err;
  const offset = at ?? err.offset;
  return new Iso8583Error(err.code, `${err.message} in frame ${frame}${at === undefined ? '' : ` (from byte ${at} of the input)`}`, {
    ...(err.field === undefined ? {} : { field: err.field }),
    ...(offset === undefined ? {} : { offset }),
    ...(err.mti === undefined ? {} : { mti: err.mti }),
    ...(err.problems === undefined ? {} : { problems: err.problems }),
    cause: err,
  });
}

/** The bytes of the input as one chunk. */
async function* once(bytes: Buffer): AsyncIterable<Buffer> {
  yield bytes;
}

/** The chunks of a stream as Buffers, each shown to `see` first. */
async function* chunksOf(stream: AsyncIterable<unknown>, see: (chunk: Buffer) => void): AsyncIterable<Buffer> {
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    see(bytes);
    yield bytes;
  }
}

/**
 * Watches raw stdin for hex text (hex digits and white space only, some digits): what `iso8583 encode` prints, piped
 * into `decode` without `--input hex`. Such input is only suspected when it fails to decode as bytes before any message
 * was printed (an iso87ascii message of digits and a hex bitmap is hex text too), and the failure then says to give
 * `--input hex`; a failed write of the output is never taken for it.
 */
class HexTextWatch {
  private digits = 0;
  private other = false;

  /** Takes the next chunk of stdin. */
  see(chunk: Buffer): void {
    for (let i = 0; i < chunk.length && !this.other; i++) {
      const b = chunk[i] as number;
      const hex = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
      if (hex) this.digits += 1;
      else this.other = !(b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
    }
  }

  /**
   * Whether everything seen so far is hex text of whole bytes: an even number of hex digits (as `iso8583 encode`
   * prints), blanks and line ends around them. A raw iso87ascii message can be made of hex characters only (no text
   * field): one with an odd count keeps its own error.
   */
  get hexText(): boolean {
    return !this.other && this.digits > 0 && this.digits % 2 === 0;
  }
}

/** The error of raw stdin that did not decode and is hex text: `ISO8583_ERR_CLI_INPUT` pointing to `--input hex`, the reason kept. */
function hexTextError(err: unknown): Error {
  const code = (err as { code?: unknown } | null)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  return cliError('ISO8583_ERR_CLI_INPUT', 'stdin does not decode as the bytes of a wire image and is hex text (as ' +
    `iso8583 encode prints it): give --input hex to read it as hex (as bytes: ${typeof code === 'string' ? `${code}: ` : ''}${reason})`);
}

/**
 * A header's hex as describe shows it: a header holds whatever a peer put there, so a card number in it (BCD digits
 * that pass the Luhn check, or the hex of ASCII or EBCDIC text) shows its first 6 and last 4 digits only; the rest of
 * the header (a TPDU `6000010000`, a BASE24 `ISO001000000`) as it is (the codec's `maskHeader`).
 */
function shownHeader(header: Buffer): string {
  return maskHeader(header.toString('hex').toUpperCase());
}

function render(item: DecodedItem, format: DecodeFormat, codec: Codec): string {
  switch (format) {
    case 'json':
      return `${toJson(item.message, item.header.length > 0 ? { header: item.header } : {})}\n`;
    case 'xml': {
      const xml = toXml(item.message, item.header.length > 0 ? { header: item.header } : {});
      return xml.endsWith('\n') ? xml : `${xml}\n`;
    }
    case 'describe': {
      const text = describe(item.message, codec.dialect);
      const frame = item.frameHeader === undefined ? '' : `frame header: ${shownHeader(item.frameHeader)}\n`;
      const header = item.header.length > 0 ? `header: ${shownHeader(item.header)}\n` : '';
      return `${frame}${header}${text}${text.endsWith('\n') ? '' : '\n'}`;
    }
  }
}

/** Runs `iso8583 decode` with its arguments (after the command name); resolves to the exit code. */
export async function decodeCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const { values, positionals, help } = parseCommandArgs(argv, FLAGS, 1);
  if (help) {
    await writeText(io.stdout, DECODE_HELP);
    return 0;
  }
  const own = readFlagTable(ROWS, values);
  const format = own.format as DecodeFormat;
  const input = own.input as 'raw' | 'hex';
  const { dialect, lenient } = readDialectFlags(values);
  readFrameFlags(values); // check the framing flags before reading stdin
  const codec = createCodec(dialect, { lenient });
  let chunks: AsyncIterable<Buffer>;
  let watch: HexTextWatch | undefined;
  if (positionals.length === 1) chunks = once(hexToBytes(positionals[0] as string, 'the HEX argument'));
  else if (input === 'hex') {
    chunks = once(hexToBytes(await readInputText(io, 'the wire image'), 'the hex on stdin'));
  } else {
    const seen = new HexTextWatch();
    watch = seen;
    chunks = chunksOf(inputStream(io, 'the wire image'), (chunk) => seen.see(chunk));
  }
  let count = 0;
  try {
    await decodeAll(chunks, codec, values, lenient, async (item) => {
      // describe blocks are separated by an empty line; JSON and XML are one document per line / block
      const sep = format === 'describe' && count > 0 ? '\n' : '';
      count += 1;
      let text: string;
      try {
        text = render(item, format, codec);
      } catch (err) {
        // A message its view cannot show (XML cannot carry a control character) is named as a frame that does not decode.
        throw item.frame === undefined ? err : inFrame(err, item.frame.number, item.frame.offset);
      }
      await writeText(io.stdout, sep + text);
    });
  } catch (err) {
    // Only input that decoded as nothing is suspected of being hex text: a message printed shows it is bytes, and a
    // failed write (a full disk, a reader gone: `| head -1` ends quietly) is the output's, not the input's.
    throw watch?.hexText === true && count === 0 ? hexTextError(err) : err;
  }
  return 0;
}
