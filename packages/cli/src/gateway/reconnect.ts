/**
 * The reconnect backoff of the gateway's upstream links, as an operator sets it: `--reconnect-delay` (the first wait
 * after a lost or refused connection) and `--reconnect-max-delay` (the longest wait), the gateway's and, in the config
 * file's `upstreams`, each upstream's own (jPOS ChannelAdaptor's `reconnect-delay`). The connector doubles the wait
 * from the first to the longest, each drawn between half and all of it.
 */
import type { Iso8583Error } from '@iso8583/codec';
import { backoffOrderProblem } from '@iso8583/connector/backoff';
import type { ReconnectOptions } from '@iso8583/connector';
import { cliError } from '../args.js';
import { configFileError } from './config-file.js';
import { gatewayError } from './errors.js';

/** The reconnect settings of the gateway, and of an upstream that gives its own. */
export interface ReconnectSettings {
  /** Milliseconds before the first retry after a lost or failed connection. */
  reconnectDelay?: number;
  /** Longest milliseconds between retries. */
  reconnectMaxDelay?: number;
}

/** The connector's `reconnect` options of a link whose settings (the upstream's own over the gateway's) are `c`. */
export function reconnectOptions(c: Required<ReconnectSettings>): Required<ReconnectOptions> {
  return { initialDelay: c.reconnectDelay, maxDelay: c.reconnectMaxDelay };
}

/** Where one of the gateway's reconnect settings came from: its flag, the config file's key, or neither (the default). */
export type ReconnectOrigin = 'flag' | 'file' | 'default';

/** Where each of the gateway's two reconnect settings came from. */
export type ReconnectOrigins = Record<keyof ReconnectSettings, ReconnectOrigin>;

/** The flag of each setting (the config file's key is the setting's name). */
const FLAG: Record<keyof ReconnectSettings, string> = { reconnectDelay: '--reconnect-delay', reconnectMaxDelay: '--reconnect-max-delay' };

/** Which of two settings an order problem is blamed on: one the file gave, else one a flag gave, else the first wait. */
const BLAME: Record<ReconnectOrigin, number> = { file: 0, flag: 1, default: 2 };

/**
 * The first wait is no longer than the longest (the connector's rule, `backoffOrderProblem`), for the gateway and for
 * each upstream (its own settings over the gateway's), checked as the config is read so that the error names each
 * value by where it came from (`origins`): a flag by its flag (`--reconnect-max-delay 2000`), a config file key by its
 * key (`reconnectDelay 5000`), a default as the default. The error is about the value the config file gave when one
 * did, else a flag's, the first wait's before the longest: `ISO8583_ERR_GATEWAY_CONFIG` naming the config file `file`
 * (as every error about that file does, {@link configFileError}) and its key (`/reconnectDelay`), else
 * `ISO8583_ERR_CLI_OPTION` naming the flag. An upstream's own keys come from the file: the error names the file and
 * the upstream's key (`/upstreams/1/reconnectDelay`), and the gateway's value beside it by where that came from
 * (`--reconnect-delay 300`, `the gateway's reconnectDelay 200`, `the default reconnectDelay 100`).
 */
export function checkReconnect(
  gateway: Required<ReconnectSettings>,
  upstreams: readonly (ReconnectSettings & { name: string })[],
  file: string | undefined,
  origins: ReconnectOrigins,
): void {
  const order = backoffOrderProblem(gateway.reconnectDelay, gateway.reconnectMaxDelay);
  if (order !== undefined) throw gatewayOrderError(gateway, origins, file, order);
  for (const [i, u] of upstreams.entries()) {
    const delay = u.reconnectDelay ?? gateway.reconnectDelay;
    const max = u.reconnectMaxDelay ?? gateway.reconnectMaxDelay;
    const problem = backoffOrderProblem(delay, max);
    if (problem !== undefined) {
      // The upstream's own key is the one blamed (its first wait when it gives both); the other, when not its own, is
      // the gateway's, named where it came from.
      const subject = u.reconnectDelay === undefined ? 'reconnectMaxDelay' : 'reconnectDelay';
      const other = otherSetting(subject);
      const otherValue = u[other];
      const otherName = otherValue !== undefined ? `${other} ${otherValue}` : named(other, origins[other], gateway[other], file !== undefined, "the gateway's ");
      const text = `upstream ${JSON.stringify(u.name)}: ${orderText(subject, `${subject} ${u[subject] as number}`, otherName, problem)}`;
      const context = { field: `/upstreams/${i}/${subject}` };
      // An upstream's own keys come from the config file only: its name is always there in practice.
      throw file === undefined ? gatewayError('ISO8583_ERR_GATEWAY_CONFIG', text, context) : configFileError(file, `: ${text}`, context);
    }
  }
}

/** The other of the two settings. */
function otherSetting(key: keyof ReconnectSettings): keyof ReconnectSettings {
  return key === 'reconnectDelay' ? 'reconnectMaxDelay' : 'reconnectDelay';
}

/**
 * A setting as an order error names it, where it came from: its flag (`--reconnect-delay 300`), its config file key
 * (`reconnectDelay 300`, after `fileKeyPrefix`), or the default, in the words of the error: a key in an error about the
 * config file (`inFile`: `the default reconnectDelay 100`), else a flag (`the default --reconnect-delay 100`).
 */
function named(key: keyof ReconnectSettings, origin: ReconnectOrigin, value: number, inFile: boolean, fileKeyPrefix = ''): string {
  if (origin === 'flag') return `${FLAG[key]} ${value}`;
  if (origin === 'file') return `${fileKeyPrefix}${key} ${value}`;
  return `the default ${inFile ? key : FLAG[key]} ${value}`;
}

/** `subject is longer (shorter) than other: problem`: the first wait above the longest, said from `subject`'s side. */
function orderText(subject: keyof ReconnectSettings, subjectName: string, otherName: string, problem: string): string {
  return `${subjectName} is ${subject === 'reconnectDelay' ? 'longer' : 'shorter'} than ${otherName}: ${problem}`;
}

/** The gateway's own first wait above its longest, each named by where it came from (see {@link checkReconnect}). */
function gatewayOrderError(gateway: Required<ReconnectSettings>, origins: ReconnectOrigins, file: string | undefined, order: string): Iso8583Error {
  const subject = BLAME[origins.reconnectMaxDelay] < BLAME[origins.reconnectDelay] ? 'reconnectMaxDelay' : 'reconnectDelay';
  const other = otherSetting(subject);
  const inFile = file !== undefined && origins[subject] === 'file';
  const name = (key: keyof ReconnectSettings): string => named(key, origins[key], gateway[key], inFile);
  const text = orderText(subject, name(subject), name(other), order);
  return inFile ? configFileError(file, `: ${text}`, { field: `/${subject}` }) : cliError('ISO8583_ERR_CLI_OPTION', text, FLAG[subject]);
}
