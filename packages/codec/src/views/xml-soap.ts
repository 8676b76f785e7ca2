/**
 * The `ISOMessage` of a SOAP envelope: directly in the `Body`, or inside one operation element (a child of the `Body`);
 * one deeper is not looked for (the Body then holds none).
 * One request is one `ISOMessage`: a Body with two (or text beside it) is refused, never read in part.
 */
import type { Iso8583Error } from '../errors.js';
import { codecError } from '../errors.js';
import type { XmlNode } from './xml-nodes.js';
import { childrenOf, elementsOf, localName, nameOf } from './xml-nodes.js';

function xmlError(reason: string): Iso8583Error {
  return codecError('ISO8583_ERR_XML', reason);
}

/**
 * Collects the `ISOMessage` elements among `nodes` and (at `depth` 0, the Body's children) inside the other elements
 * there, the operation elements: one wrapper, as the docs say, never two. Text in
 * the `Body` (`depth` 0) or beside an `ISOMessage` is refused: it is no part of any message, and would be lost unseen.
 */
function collectIsoMessages(nodes: XmlNode[], depth: number, found: XmlNode[]): void {
  const { elements, junk } = elementsOf(nodes);
  const before = found.length;
  for (const element of elements) {
    const name = nameOf(element)!;
    if (localName(name) === 'ISOMessage') found.push(element);
    else if (depth === 0) collectIsoMessages(childrenOf(element, name), depth + 1, found);
  }
  if (junk && (depth === 0 || found.length > before)) {
    throw xmlError('the SOAP Body holds text outside its ISOMessage');
  }
}

/**
 * The one `ISOMessage` in the `Body` of the SOAP envelope `envelope` (its root element, named `rootName`). Throws
 * `ISO8583_ERR_XML` when the Body holds none, more than one (each would be a request, and only one can be answered),
 * or text outside it.
 */
export function soapIsoMessage(envelope: XmlNode, rootName: string): XmlNode {
  const body = elementsOf(childrenOf(envelope, rootName)).elements.find((e) => localName(nameOf(e)!) === 'Body');
  const found: XmlNode[] = [];
  if (body !== undefined) collectIsoMessages(childrenOf(body, nameOf(body)!), 0, found);
  if (found.length === 0) throw xmlError('the SOAP envelope holds no ISOMessage in its Body');
  if (found.length > 1) {
    throw xmlError(`the SOAP Body holds ${found.length} ISOMessage elements, where one request is one ISOMessage`);
  }
  return found[0]!;
}
