/**
 * The reconnect backoff of the gateway's upstream links, as an operator sets it: `--reconnect-delay` (the first wait
 * after a lost or refused connection) and `--reconnect-max-delay` (the longest wait), the gateway's and, in the config
 * file's `upstreams`, each upstream's own (jPOS ChannelAdaptor's `reconnect-delay`). The connector doubles the wait
 * from the first to the longest, each drawn between half and all of it.
 */
import type { Iso8583Error } from '@iso8583/codec';
import { backoffOrderProblem } from '@iso8583/connector';
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
 * the upstream's key (`/upstreams/1/reconnectDelay`).
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
      const text = `upstream ${JSON.stringify(u.name)}: reconnectDelay ${delay} is longer than reconnectMaxDelay ${max}: ${problem}`;
      const context = { field: `/upstreams/${i}/${u.reconnectDelay === undefined ? 'reconnectMaxDelay' : 'reconnectDelay'}` };
      // An upstream's own keys come from the config file only: its name is always there in practice.
      throw file === undefined ? gatewayError('ISO8583_ERR_GATEWAY_CONFIG', text, context) : configFileError(file, `: ${text}`, context);
    }
  }
}

/** The gateway's own first wait above its longest, each named by where it came from (see {@link checkReconnect}). */
function gatewayOrderError(gateway: Required<ReconnectSettings>, origins: ReconnectOrigins, file: string | undefined, order: string): Iso8583Error {
  const [subject, other] =
    BLAME[origins.reconnectMaxDelay] < BLAME[origins.reconnectDelay] ? (['reconnectMaxDelay', 'reconnectDelay'] as const) : (['reconnectDelay', 'reconnectMaxDelay'] as const);
  const inFile = file !== undefined && origins[subject] === 'file';
  const name = (key: keyof ReconnectSettings): string => {
    const origin = origins[key];
    const named = origin === 'flag' || !inFile ? FLAG[key] : key;
    return `${origin === 'default' ? 'the default ' : ''}${named} ${gateway[key]}`;
  };
  const text = `${name(subject)} is ${subject === 'reconnectDelay' ? 'longer' : 'shorter'} than ${name(other)}: ${order}`;
  return inFile ? configFileError(file, `: ${text}`, { field: `/${subject}` }) : cliError('ISO8583_ERR_CLI_OPTION', text, FLAG[subject]);
}
