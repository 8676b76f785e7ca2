/**
 * What a message object given to `request`, `relay` or `sendMessage` must at least be: an object (not null, not an
 * array), refused otherwise with `ISO8583_ERR_CONNECTOR_INPUT` before anything else reads it.
 */
import type { Iso8583Error, MessageInput } from '@iso8583/codec';
import { connectorError } from './errors.js';

/** True for a value that can be a message object (`pack` then checks every field). */
export function isMessageObject(value: unknown): value is MessageInput {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The error of an input that is not a message. */
export function inputError(): Iso8583Error {
  return connectorError('ISO8583_ERR_CONNECTOR_INPUT', 'the message must be XML, JSON text or an object');
}
