/**
 * Walking fast-xml-parser's ordered output (`preserveOrder: true`): element names, children, attributes, and the
 * text of an element that holds only text and CDATA.
 */
import { decodeXmlText, XML_TEXT_FAULTS, xmlTextFault } from './xml-text.js';

/** A node of fast-xml-parser's ordered output: `{ name: children, ':@': attributes }`, `#text` or `#cdata`. */
export type XmlNode = Record<string, unknown>;

/** The name of an element node (`#text` and `#cdata` for text), `undefined` for an empty node. */
export function nameOf(node: XmlNode): string | undefined {
  for (const key of Object.keys(node)) if (key !== ':@') return key;
  return undefined;
}

/** A name without its namespace prefix (`soap:Envelope` -> `Envelope`). */
export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** The child nodes of the element `node` named `name`. */
export function childrenOf(node: XmlNode, name: string): XmlNode[] {
  return (node[name] as XmlNode[] | undefined) ?? [];
}

/** The attributes of an element node (none: an empty object). */
export function attributesOf(node: XmlNode): Record<string, string> {
  return (node[':@'] as Record<string, string> | undefined) ?? {};
}

/** True for an element name (not text, not CDATA). */
export function isElement(name: string): boolean {
  return name !== '#text' && name !== '#cdata';
}

/** The elements among `nodes`; `junk` is set when there is text other than white space between them. */
export function elementsOf(nodes: XmlNode[]): { elements: XmlNode[]; junk: boolean } {
  const elements: XmlNode[] = [];
  let junk = false;
  for (const node of nodes) {
    const name = nameOf(node);
    if (name === undefined) continue;
    if (isElement(name)) elements.push(node);
    else if (name === '#cdata' || String(node['#text']).trim() !== '') junk = true;
  }
  return { elements, junk };
}

/** The text of an element that holds only text and CDATA; `undefined` for an unknown entity. */
export function textOf(nodes: XmlNode[]): string | undefined {
  let text = '';
  for (const node of nodes) {
    if ('#text' in node) {
      const decoded = decodeXmlText(String(node['#text']));
      if (decoded === undefined) return undefined;
      text += decoded;
    } else if ('#cdata' in node) {
      for (const part of node['#cdata'] as XmlNode[]) text += String(part['#text'] ?? '');
    }
  }
  return text;
}

/** Why {@link textOf} gives `undefined` for `nodes` (the first text that {@link xmlTextFault} refuses). */
export function textFaultOf(nodes: XmlNode[]): string {
  for (const node of nodes) {
    if (!('#text' in node)) continue;
    const fault = xmlTextFault(String(node['#text']));
    if (fault !== undefined) return fault;
  }
  return XML_TEXT_FAULTS.entity;
}
