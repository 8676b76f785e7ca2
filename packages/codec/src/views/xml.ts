import type { IsoMessage, MessageInput } from '../types.js';
import { codecError } from '../errors.js';

/** Options of the XML view. */
export interface XmlOptions {
  /** Raw header bytes before the MTI, written as `<header>` in base64. */
  header?: Uint8Array;
}

/** The `ISOMessage` XML of a message (the WSO2 shape), fields in ascending order. */
export function toXml(message: IsoMessage, options: XmlOptions = {}): string {
  void message;
  void options;
  throw codecError('ISO8583_ERR_XML', 'not built yet');
}

/** Reads an `ISOMessage` document (optionally inside a SOAP envelope). Throws `ISO8583_ERR_XML` naming every bad field. */
export function fromXml(xml: string): { message: MessageInput; header?: Buffer } {
  void xml;
  throw codecError('ISO8583_ERR_XML', 'not built yet');
}
