/**
 * An error about one of the config file's `upstreams` names that upstream's key (`/upstreams/N/key`), as its TLS
 * files (tls.ts) and its reconnect delays (reconnect.ts) already did: a bad `dialect` (unknown, unreadable, invalid),
 * `frame`, `headerBytes`, `headerHex` or `echoInterval` of the second upstream used to be told as the gateway's (`field dialect`,
 * `invalid connector options: frame`), sending the operator to the wrong setting. The error keeps its code.
 */
import { Iso8583Error } from '@iso8583/codec';
import type { GatewayConfig } from './config-types.js';
import type { GatewayUpstream } from './upstreams.js';

/** The connector option a problem names, by the upstream's key that gives it. */
const OWN_KEYS: ReadonlyMap<string, keyof GatewayUpstream> = new Map([
  ['dialect', 'dialect'],
  ['frame', 'frame'],
  ['headerBytes', 'headerBytes'],
  // The gateway's --header-hex, of another length than this upstream's own headerBytes.
  ['header', 'headerBytes'],
  ['echoInterval', 'echoInterval'],
  ['signOn', 'signOn'],
  ['signOff', 'signOn'],
  ['host', 'upstream'],
  ['port', 'upstream'],
]);

/** The upstream's key an error is about, when the upstream gives that key itself. */
function ownKey(err: Iso8583Error, own: GatewayUpstream): keyof GatewayUpstream | undefined {
  if (err.code.startsWith('ISO8583_ERR_DIALECT_')) return own.dialect === undefined ? undefined : 'dialect';
  if (err.code !== 'ISO8583_ERR_CONNECTOR_OPTIONS') return undefined;
  for (const p of err.problems ?? []) {
    const field = p.field.split('.')[0] as string;
    // The header of the upstream's own headerHex, of another length than its own headerBytes.
    if (field === 'header' && own.headerHex !== undefined) return 'headerHex';
    const key = OWN_KEYS.get(field);
    if (key !== undefined && own[key] !== undefined) return key;
  }
  return undefined;
}

/**
 * `err` (thrown while the options of `own`, one of `config.upstreams`, were made or checked) told as that upstream's:
 * its message led by `/upstreams/N/key` and its `field` that pointer, when it is about a key the upstream gives itself
 * and names none yet; else `err` as it is.
 */
export function upstreamProblem(err: unknown, config: Pick<GatewayConfig, 'upstreams'>, own: GatewayUpstream | undefined): unknown {
  if (!(err instanceof Iso8583Error) || own === undefined) return err;
  if (typeof err.field === 'string' && (err.field.startsWith('/') || err.field.startsWith('--'))) return err;
  const key = ownKey(err, own);
  const i = config.upstreams?.indexOf(own) ?? -1;
  if (key === undefined || i < 0) return err;
  const pointer = `/upstreams/${i}/${key}`;
  const text = err.message.replace(/^field dialect: /, '');
  return new Iso8583Error(err.code, `${pointer} (upstream ${JSON.stringify(own.name)}): ${text}`, {
    field: pointer,
    cause: err,
    ...(err.problems === undefined ? {} : { problems: err.problems }),
  });
}
