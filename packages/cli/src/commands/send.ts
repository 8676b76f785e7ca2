/**
 * `iso8583 send`: one message (JSON or `ISOMessage` XML on stdin) to a host through the connector, and the response
 * printed in the same form.
 */
import { createCodec, dialectVersion, expectsResponse, inVersion, invalidMessage, originalDataElementsField, readMessage, responseMti, summarize } from '@iso8583/codec';
import type { DialectVersion, IsoMessage, MessageInput } from '@iso8583/codec';
import { Iso8583Error } from '@iso8583/codec';
import { MAX_REQUEST_TIMEOUT, createConnector, hostPort, isReversible } from '@iso8583/connector';
import type { ConnectorOptions } from '@iso8583/connector';
import { cliError } from '../args.js';
import { flagHelp, flagSpecs } from '../flag-table.js';
import type { FlagRow } from '../flag-table.js';
import { DIALECT_ROWS, endpointRows, FRAME_FLAGS, FRAME_HELP, logRows, readClientTls, readDialectFlags, readFrameFlags, TLS_FLAGS, TLS_HELP } from '../flags.js';
import { createLogger, levelFor } from '../logger.js';
import { placeHeaders, refuseDropped } from '../message-header.js';
import { createTracer } from '../trace.js';
import { readPortCommand } from './port-command.js';
import type { CommandIo } from '../io.js';
import { outputClosed, processIo, writeText } from '../io.js';
import { namedByFlags, warnTlsInsecure, withHostCertificateDetail } from '../tls-client-flags.js';
import { readInputMessage } from './message-input.js';
import type { Writable } from 'node:stream';

/** The default of `--timeout`: milliseconds to wait for the response. */
export const DEFAULT_SEND_TIMEOUT = 30000;

/** The command's own flags (and `--dialect`). */
const ROWS: readonly FlagRow[] = [
  ...endpointRows(1, 'the port. Required'),
  { flag: 'timeout', short: 't', kind: 'integer', arg: 'MS', min: 1, max: MAX_REQUEST_TIMEOUT, default: DEFAULT_SEND_TIMEOUT, help: 'how long to wait for the response' },
  { flag: 'input', short: 'i', kind: 'choice', arg: 'KIND', choices: ['json', 'xml'], defaultText: 'whichever the input is', help: 'json or xml' },
  ...DIALECT_ROWS.filter((r) => r.flag === 'dialect'),
  // A one-shot command: its failure is the error line, the connector's warnings would only repeat it.
  ...logRows('error'),
];

const FLAGS = { ...flagSpecs(ROWS), ...FRAME_FLAGS, ...TLS_FLAGS };

/** The help text of `iso8583 send`. */
export const SEND_HELP = `Usage: iso8583 send --port PORT [flags] < MESSAGE

Sends one message (JSON keyed by field number, or ISOMessage XML, on stdin) to a host and prints the response in
the same form. The response is matched by MTI, field 11 (STAN) and field 41 (terminal id); when the host answers
with another key (no field 41, another STAN), the timeout error says what came and what was expected. The response
is printed whole, card data included (PAN, tracks, PIN block, field 55): it is a tool to see messages, not a log.
A 0100/0200 whose response does not come (timeout, connection lost, Ctrl-C or SIGTERM while it waits) is not
reversed: the error says its outcome is unknown.
A message that expects no answer (a response such as 0210 or 0810) is refused: no answer would come to it.
A header in the message (<header>, base64, in XML; "header", hex, in JSON: what decode prints) goes where encode
puts it: the dialect's header when the dialect has one, else the fixed frame header. One that cannot go so is
refused before any connection: another fixed frame header than --header-hex, one over 64 bytes, a dialect header
(other than zeros) besides --header-bytes or --header-hex. The answer shows its fixed frame header when there is
one, else its dialect header.

${flagHelp(ROWS)}

${FRAME_HELP}
  Default --frame: binary2.

${TLS_HELP}

Example:
  echo '{"0":"0800","7":"0101120000","11":"000001","70":"301"}' | iso8583 send --port 8583
`;

/**
 * Failures after the request may have reached the host: whether it was approved there is not known (an interrupted
 * wait, `ISO8583_ERR_CONNECTOR_ABORTED`, only when the request was written).
 */
const UNKNOWN_OUTCOME = new Set(['ISO8583_ERR_CONNECTOR_TIMEOUT', 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'ISO8583_ERR_CONNECTOR_BAD_RESPONSE', 'ISO8583_ERR_CONNECTOR_ABORTED']);

/**
 * The error of a reversible request (0100, 0200 and their repeats) whose outcome at the host is unknown, saying so
 * and that `send` sent no reversal (it keeps no journal), and which one to send by the dialect's edition `version`
 * (`0400` with field 90 in 1987, `1400` with field 56 in 1993: the codec's edition rule): the same code, the text
 * completed. Others as they are.
 */
function unknownOutcome(err: unknown, mti: unknown, version: DialectVersion): unknown {
  if (!(err instanceof Iso8583Error) || !UNKNOWN_OUTCOME.has(err.code) || err.sent === 'no' || typeof mti !== 'string' || !isReversible(mti)) return err;
  const known = / the outcome at the host is unknown\.?$/.test(err.message) ? err.message.replace(/[;.]? the outcome at the host is unknown\.?$/, '') : err.message;
  return new Iso8583Error(
    err.code,
    `${known}; the outcome of the ${mti} at the host is unknown and no reversal was sent (send does not reverse: send the ` +
      `reversal yourself, ${inVersion('0400', version)} with field ${originalDataElementsField(version)}, or go through the gateway, which does)`,
    { mti, cause: err, ...(err.field === undefined ? {} : { field: err.field }) },
  );
}

/**
 * The error of a request a stop signal (Ctrl-C, SIGTERM) interrupted (`ISO8583_ERR_CONNECTOR_ABORTED`, the connector's
 * `sent` kept): written, its outcome at the host is unknown ({@link unknownOutcome} completes it for a 0100/0200);
 * not, it never reached the host. Others as they are.
 */
function interrupted(err: unknown, signal: AbortSignal): unknown {
  if (!signal.aborted || !(err instanceof Iso8583Error) || err.code !== 'ISO8583_ERR_CONNECTOR_ABORTED') return err;
  const by = `interrupted by ${String(signal.reason)}`;
  const out = new Iso8583Error(
    err.code,
    err.sent === 'no'
      ? `${by} before the request was written: it never reached the host`
      : `${by} while waiting for the response; the outcome at the host is unknown`,
    { cause: err, ...(err.mti === undefined ? {} : { mti: err.mti }) },
  );
  if (err.sent !== undefined) out.sent = err.sent;
  return out;
}

/** `0210, 11 000002, no 41`: the key fields of a message (the MTI, 11 and 41, as the connector matches by), each shown
 * as every log line shows it ({@link summarize}: a value longer than ISO 8583 allows, a dialect's own field 41 holding
 * a card number or its hex, is masked). */
function keyOf(message: Partial<Record<string, unknown>>): string {
  const text = (f: string): string | undefined => {
    const v = message[f];
    return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  };
  const plain: IsoMessage = {};
  for (const f of ['0', '11', '41']) {
    const v = text(f);
    if (v !== undefined) plain[f] = v;
  }
  const key = summarize(plain);
  return [key.mti ?? 'no MTI', key.stan === undefined ? 'no 11' : `11 ${key.stan}`, key.terminal === undefined ? 'no 41' : `41 ${key.terminal}`].join(', ');
}

/**
 * A timeout while the host did answer, but with a message whose key (MTI, 11, 41) is not the request's: the error
 * says what came and what was expected (the key fields only, never a card field), the code kept. Others as they are.
 */
function unmatchedAnswer(err: unknown, request: MessageInput, answers: IsoMessage[]): unknown {
  if (!(err instanceof Iso8583Error) || err.code !== 'ISO8583_ERR_CONNECTOR_TIMEOUT' || answers.length === 0) return err;
  const mti = typeof request['0'] === 'string' ? request['0'] : '';
  const expected = keyOf({ ...request, '0': responseMti(mti) ?? mti });
  const first = answers[0] as IsoMessage;
  const more = answers.length > 1 ? ` (and ${answers.length - 1} more)` : '';
  return new Iso8583Error(
    err.code,
    `${err.message}: the host answered, but not with the request's MTI, field 11 and field 41, which send matches by: ` +
      `it sent ${keyOf(first)}${more}, expected ${expected}`,
    { cause: err, ...(err.field === undefined ? {} : { field: err.field }) },
  );
}

/**
 * The `ISO8583_ERR_CLI_INPUT` of a message whose MTI expects no answer ({@link expectsResponse}: an answer, a response
 * acknowledgement, a reserved origin): `send` waits for the answer to what it sends, which would never come.
 */
function noAnswerDue(mti: string): Iso8583Error {
  const request = /^\d{2}[1357]/.test(mti) ? ` (to send the request it answers: ${mti.slice(0, 2)}${Number(mti[2]) - 1}${mti[3]})` : '';
  return cliError(
    'ISO8583_ERR_CLI_INPUT',
    `the message is a ${mti}, which expects no answer: send waits for the answer to the message it sends, and none would come; send a request${request}`,
    '0',
  );
}

/**
 * The error of an answer that came but could not be printed (`ISO8583_ERR_CLI_OUTPUT`: a full disk, a closed file):
 * the line says the host answered the request, with the answer's key (MTI, field 11, field 41 and field 39, masked as
 * {@link keyOf} shows them), and that it is not to be sent again: a script that sends again on failure would charge the
 * card twice. The code and the exit code (1) stay the output's; a reader that went away (`EPIPE`, `| head -c0`) still
 * ends quietly. Others as they are.
 */
function answerUnwritten(err: unknown, stdout: Writable, mti: unknown, response: string): unknown {
  if (!(err instanceof Iso8583Error) || err.code !== 'ISO8583_ERR_CLI_OUTPUT' || outputClosed(err, stdout)) return err;
  let answer: Partial<Record<string, unknown>> = {};
  try {
    answer = readMessage(response).message;
  } catch {
    // The connector wrote the answer itself: it reads back; if not, the key says so (no MTI, no 11).
  }
  const code = typeof answer['39'] === 'string' ? summarize({ '39': answer['39'] }).responseCode : undefined;
  return new Iso8583Error(
    err.code,
    `${err.message}; the host answered the ${typeof mti === 'string' ? mti : 'request'} (${keyOf(answer)}, ` +
      `${code === undefined ? 'no 39' : `39 ${code}`}): do not send it again`,
    { cause: err.cause },
  );
}

/** The longest wait for the connection (TCP, and the TLS handshake), whatever `--timeout` (the wait for the answer). */
const MAX_CONNECT_WAIT = 10_000;

/**
 * A connection not made in time: the connector names its `connectTimeout`, which `send` sets from `--timeout` (at most
 * {@link MAX_CONNECT_WAIT} ms): the error names `--timeout`, the code kept. A host that refused or could not be reached
 * (no `field`: not a TLS refusal, which names its `tls.*`) names `--host`, `--port` and the `address` they gave
 * (`--host, --port: cannot connect to 127.0.0.1:1 (ECONNREFUSED)`: the connector's own text leaves the address out, it
 * reaches the gateway's HTTP clients), the code kept. Others as they are.
 */
function connectWait(err: unknown, timeout: number, address: string): unknown {
  if (err instanceof Iso8583Error && err.code === 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED' && err.field === undefined) {
    const cause = err.cause as NodeJS.ErrnoException | undefined;
    const why = cause?.code ?? cause?.message;
    const message = `--host, --port: cannot connect to ${address}${why === undefined ? '' : ` (${why})`}`;
    const out = new Iso8583Error(err.code, message, { cause: err, field: '--host' });
    if (err.sent !== undefined) out.sent = err.sent;
    return out;
  }
  if (!(err instanceof Iso8583Error) || err.code !== 'ISO8583_ERR_CONNECTOR_CONNECT_TIMEOUT') return err;
  const wait = Math.min(timeout, MAX_CONNECT_WAIT);
  const capped = timeout > MAX_CONNECT_WAIT ? ` (send waits at most ${MAX_CONNECT_WAIT} ms for the connection, whatever --timeout)` : '';
  const out = new Iso8583Error(err.code, `--timeout: no connection to the host within ${wait} ms${capped}`, { cause: err, field: '--timeout' });
  if (err.sent !== undefined) out.sent = err.sent;
  return out;
}

/** Runs `iso8583 send` with its arguments (after the command name); resolves to the exit code. */
export async function sendCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const args = await readPortCommand(argv, FLAGS, ROWS, SEND_HELP, io.stdout);
  if (args === undefined) return 0;
  const { values, own, port } = args;
  const timeout = own.timeout as number;
  const input = own.input as 'json' | 'xml' | undefined;
  const { dialect } = readDialectFlags(values);
  const frame = readFrameFlags(values, 'binary2');
  const tls = readClientTls(values);

  // A jPOS XMLPackager dump is read with the dialect, as encode reads it (message-input.ts).
  const codec = createCodec(dialect);
  const read = await readInputMessage(io, codec.dialect, input);
  // An invalid message is refused before any socket opens, naming every offending field.
  const problems = codec.validate(read.message);
  if (problems.length > 0) throw invalidMessage(problems);
  // send waits for the answer: to a message that expects none (an answer, 0210, 0810; a response acknowledgement, 1x08)
  // it never comes, and the whole --timeout was waited for nothing. Refused before any socket opens.
  const mti = read.message['0'];
  if (typeof mti === 'string' && !expectsResponse(mti)) throw noAnswerDue(mti);

  // The message's header goes where encode puts it (decode's rule, reversed): refused if it would not.
  const placed = placeHeaders(dialect, frame, values['header-bytes'] !== undefined, read.header);
  refuseDropped(placed, dialect);

  const options: ConnectorOptions = {
    name: 'send',
    host: own.host as string,
    port,
    dialect,
    frame: frame.frame ?? 'binary2',
    lengthIncludesHeader: frame.lengthIncludesHeader,
    lengthExcludesHeaderBytes: frame.lengthExcludesHeaderBytes,
    headerBytes: placed.frameHeaderBytes,
    requestTimeout: timeout,
    connectTimeout: Math.min(timeout, MAX_CONNECT_WAIT),
  };
  if (placed.frameHeader !== undefined) options.header = placed.frameHeader.toString('hex').toUpperCase();
  // The connector puts a request's header in the frame header's place when there is one, else the dialect's: given
  // here, never left to it to take from the message (a dialect header then took the frame header's place).
  const header = placed.frameHeaderBytes > 0 ? (placed.frameHeader ?? Buffer.alloc(placed.frameHeaderBytes)) : placed.dialectHeader;
  // Each option named by its flag in an error or log line (`--tls-servername`, not `tls.servername`); --tls-insecure said.
  if (tls !== undefined) options.tls = namedByFlags(tls);
  warnTlsInsecure(io.stderr, tls);
  const logMessages = own['log-messages'] === true;
  const log = createLogger({ level: levelFor(own['log-level'] as string, logMessages), name: 'send' });
  options.logger = log.logger;
  const connector = createConnector(options);
  // Answers that matched no request: a timeout then says the host did answer, and with what key.
  const unmatched: IsoMessage[] = [];
  connector.on('unsolicited', (message) => {
    // An answer (a host-initiated request, one that expects an answer itself, is not one).
    if (unmatched.length < 100 && responseMti(String(message['0'])) === undefined) unmatched.push(message);
  });
  const tracer = createTracer({ logger: log.logger, dialect, logMessages });
  const link = tracer.link('host', hostPort(options.host, port), connector);
  // A stop signal (Ctrl-C) while the answer is awaited ends the wait with the error line saying what became of the
  // request (never written, or its outcome unknown), rather than a silent death; once the answer came, it is printed
  // all the same. Only the first is caught: a second one ends the process as usual.
  const stop = new AbortController();
  const onStop = (signal: NodeJS.Signals): void => stop.abort(signal);
  const released = (): void => {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
  };
  process.once('SIGINT', onStop);
  process.once('SIGTERM', onStop);
  let response: string;
  try {
    response = (await link.sendMessage(read.text, { timeout, signal: stop.signal, ...(header === undefined ? {} : { header }) })) as string;
  } catch (err) {
    released();
    // Nothing is left to drain: abort the connections rather than wait for the pool to wind down.
    await connector.destroy().catch(() => undefined);
    const failure = unknownOutcome(unmatchedAnswer(interrupted(connectWait(err, timeout, hostPort(options.host, port)), stop.signal), read.message, unmatched), read.message['0'], dialectVersion(dialect));
    // A certificate not for the name checked: Node's reason (the names) on the next line, shown by no log level.
    throw failure instanceof Object ? withHostCertificateDetail(failure, err) : failure;
  } finally {
    // The request has its outcome: from now on a stop signal ends the process as usual.
    released();
  }
  // The answer is printed before the connection is closed: a close that stalls, cut short by Ctrl-C, loses nothing
  // (an approval printed is an approval the operator knows of; one lost would be sent again).
  // The connection is closed whatever the write does (a closed stdout): an open one would keep the process alive.
  log.flush();
  try {
    await writeText(io.stdout, response.endsWith('\n') ? response : `${response}\n`);
  } catch (err) {
    throw answerUnwritten(err, io.stdout, read.message['0'], response);
  } finally {
    await connector.close();
    log.flush();
  }
  return 0;
}
