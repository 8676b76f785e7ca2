/**
 * Which messages the SAF queue takes from a caller (`saf: true`): advices and reversals, the messages an acquirer may
 * store and forward because the host's answer changes nothing for the cardholder. In the version of the dialect
 * (the first MTI digit: 0 for 1987, 1 for 1993): class 1 and 2 advices (x120, x220) and class 4 reversals, request
 * and advice (x400, x420), and their repeats (x121, x221, x401, x421). And never with sensitive authentication data
 * (track 1, 2, 3, PIN block, ICC data, and any field the dialect marks `track`, `pin`, `cvv` or `emv`), which must not
 * be stored after authorisation.
 */
import { dialectVersion, mtiVersionDigit } from '@iso8583/codec';
import type { Codec, Dialect, IsoMessage, Iso8583Error, MessageInput } from '@iso8583/codec';
import { connectorError } from './errors.js';
import { mtiNamed, mtiText } from './match-key.js';
import { neverStoredFields } from './never-stored.js';

/** True for an advice or reversal of `version`'s MTIs (x120, x220, x400, x420 and their repeats x121, x221, x401, x421). */
export function isStoreAndForward(mti: string, version: string): boolean {
  if (mti.length !== 4 || mti[0] !== version || (mti[3] !== '0' && mti[3] !== '1')) return false;
  const cls = mti[1];
  const fn = mti[2];
  return ((cls === '1' || cls === '2') && fn === '2') || (cls === '4' && (fn === '0' || fn === '2'));
}

/**
 * Why `message` cannot be stored and forwarded (an `ISO8583_ERR_CONNECTOR_SAF` naming `saf` or the field), or
 * `undefined` when it can.
 */
export function safProblem(message: MessageInput, dialect: Dialect): Iso8583Error | undefined {
  const text = mtiText(message['0']);
  // Named in the refusal only when it is four digits (else `invalid`): a caller's field 0 may even be card data.
  const mti = mtiNamed(text);
  const digit = mtiVersionDigit(dialectVersion(dialect));
  if (!isStoreAndForward(mti, digit)) {
    return connectorError(
      'ISO8583_ERR_CONNECTOR_SAF',
      `only an advice or reversal is stored and forwarded (x120, x220, x400, x420 and their repeats, version ${digit}), not MTI ${text === '' ? '(none)' : mti}`,
      { field: 'saf', mti },
    );
  }
  for (const [field, why] of neverStoredFields(dialect)) {
    if (message[field] != null) return connectorError('ISO8583_ERR_CONNECTOR_SAF', `field ${field} (${why}) is never stored`, { field, mti });
  }
  return undefined;
}

/**
 * The message to store for `input` sent with `saf: true`: refused (with its {@link safProblem}, or
 * `ISO8583_ERR_CONNECTOR_SAF` naming `saf` when the connector has no queue), else auto-filled (`fill`), packed and
 * read back, so that a message that cannot be sent is refused now (its fields named) and the store holds wire values.
 */
export function safMessage(input: MessageInput, codec: Codec, hasQueue: boolean, fill: () => MessageInput): IsoMessage {
  const problem = safProblem(input, codec.dialect);
  if (problem !== undefined) throw problem;
  if (!hasQueue) {
    throw connectorError('ISO8583_ERR_CONNECTOR_SAF', 'this connector has no SAF queue (set saf.enabled and saf.journalDir)', { field: 'saf' });
  }
  return codec.unpack(codec.pack(fill()));
}
