/**
 * The reconnect backoff of the gateway's upstream links, as an operator sets it: `--reconnect-delay` (the first wait
 * after a lost or refused connection) and `--reconnect-max-delay` (the longest wait), the gateway's and, in the config
 * file's `upstreams`, each upstream's own (jPOS ChannelAdaptor's `reconnect-delay`). The connector doubles the wait
 * from the first to the longest, each drawn between half and all of it.
 */
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

/**
/**
 * The first wait is no longer than the longest (the connector's rule, `backoffOrderProblem`), for the gateway and for
 * each upstream (its own settings over the gateway's), checked as the config is read so that the error names the flag
 * or key; else `ISO8583_ERR_CLI_OPTION` naming `--reconnect-delay`, or `ISO8583_ERR_GATEWAY_CONFIG` naming the config
 * file `file` the upstreams are given in, when given (as every error about that file does), and the upstream's key
 * (`/upstreams/1/reconnectDelay`). The gateway's own two values, when neither came from a flag, are the file's:
 * `gatewayKey` is then the key the file gave (`/reconnectDelay`, else `/reconnectMaxDelay`), and the error names the
 * file and that key.
 */
export function checkReconnect(
  gateway: Required<ReconnectSettings>,
  upstreams: readonly (ReconnectSettings & { name: string })[],
  file: string | undefined,
  gatewayKey?: string,
): void {
  const order = backoffOrderProblem(gateway.reconnectDelay, gateway.reconnectMaxDelay);
  if (order !== undefined) {
    const { reconnectDelay: delay, reconnectMaxDelay: max } = gateway;
    if (file !== undefined && gatewayKey !== undefined) {
      throw configFileError(file, `: reconnectDelay ${delay} is longer than reconnectMaxDelay ${max}: ${order}`, { field: gatewayKey });
    }
    throw cliError('ISO8583_ERR_CLI_OPTION', `--reconnect-delay ${delay} is longer than --reconnect-max-delay ${max}: ${order}`, '--reconnect-delay');
  }
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
