/**
 * The listeners' addresses (`--bind`, `--http-bind`, config keys `bind` and `httpBind`) hold no control character:
 * such an address can never be listened on, and printed (the `--check-config` summary, a listen error) it would
 * forge lines or run escape sequences on the operator's terminal.
 */
import { cliError } from '../args.js';
import { hasUnprintable } from '../io.js';
import type { GatewayConfig } from './config-types.js';

/**
 * Throws `ISO8583_ERR_CLI_OPTION` naming the flag (and the config file key, when the file gave it: `fileOf` returns
 * the file's path for a key no flag gave) of a bind address with a control character, a line or paragraph
 * separator or a bidi control; never echoes the value.
 */
export function checkBindAddresses(config: Partial<Pick<GatewayConfig, 'bind' | 'httpBind'>>, fileOf: (key: string) => string | undefined): void {
  for (const [key, flag] of [['bind', '--bind'], ['httpBind', '--http-bind']] as const) {
    const value = config[key];
    if (typeof value !== 'string' || !hasUnprintable(value)) continue;
    const from = fileOf(key);
    const where = from === undefined ? flag : `${flag} (config file key "${key}")`;
    throw cliError('ISO8583_ERR_CLI_OPTION', `${where} has a control character: give an IP address or host name`, flag);
  }
}
