import type { RawField } from './elements.js';
import { xmlError } from './attributes.js';
import { refuseUnexpanded, shown } from './packager-text.js';

/**
 * The parsed packager document read into field elements, checked against the structure of jPOS's genericpackager.dtd,
 * which jPOS validates at load: `isopackager` and `isofieldpackager` hold `isofield` and `isofieldpackager` elements
 * only (no other element, no text), `isofield` holds text only, and each element has only the attributes the DTD
 * declares for it. Anything else (`<isofeild>`, a line missing its `<`, `Pad="true"`, `headerlength="5"`) is refused
 * naming the field and the element or attribute: ignored, it dropped a field or changed the bytes a jPOS peer reads.
 */

/** The parser's prefix of attribute keys. */
export const ATTR = '@_';

/** The elements that hold field elements, with the attributes the DTD declares for each (jPOS 2 and 3 together). */
const DECLARED: Readonly<Record<string, ReadonlySet<string>>> = {
  isopackager: new Set(['maxValidField', 'bitmapField', 'thirdBitmapField', 'firstField', 'emitBitmap', 'headerLength']),
  isofield: new Set(['id', 'length', 'name', 'class', 'params', 'encoding', 'token', 'pad', 'trim', 'inclusive']),
  isofieldpackager: new Set([
    'id', 'name', 'length', 'class', 'params', 'token', 'pad', 'packager', 'emitBitmap', 'maxValidField', 'bitmapField',
    'firstField', 'headerLength', 'tagMapper', 'tagSize', 'lenSize', 'swapTagAndLen', 'inclusive',
  ]),
};

const FIELD_TAGS = new Set(['isofield', 'isofieldpackager']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One element waiting to be read: its parsed node, its element name, its parent's record and its field path. */
interface Pending {
  node: unknown;
  tag: string;
  into: RawField[];
  parentPath: string;
}

/**
 * The parsed document's one `isopackager` element read (`readPackagerTree`): no other element beside it (the XML
 * checker takes a second root element), processing instructions and the XML declaration aside. `entities` are the
 * names of the entities the DOCTYPE declares (`refuseUnreadDoctype`): a reference to one the parser left unexpanded
 * in an attribute or a text is refused (`refuseUnexpanded`).
 */
export function readPackagerDocument(packager: string, doc: unknown, entities: ReadonlySet<string>): RawField {
  const keys = isRecord(doc) ? Object.keys(doc).filter((key) => !key.startsWith('?')) : [];
  if (!keys.includes('isopackager')) xmlError(packager, 'the document has no isopackager element');
  const other = keys.find((key) => key !== 'isopackager');
  if (other !== undefined) xmlError(packager, `element <${other}> beside isopackager: a packager document holds the isopackager element only`);
  const root = (doc as Record<string, unknown>).isopackager;
  if (Array.isArray(root)) xmlError(packager, 'the document holds more than one isopackager element');
  return readPackagerTree(packager, root, entities);
}

/**
 * The `isopackager` element `root` read into its attributes and field elements (recursively), each checked against
 * the DTD's structure. Iterative, so that no document shape grows the call stack.
 */
function readPackagerTree(packager: string, root: unknown, entities: ReadonlySet<string>): RawField {
  const top: RawField[] = [];
  const stack: Pending[] = [{ node: root, tag: 'isopackager', into: top, parentPath: '' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const raw: RawField = { attributes: {}, children: [], composite: item.tag === 'isofieldpackager' };
    item.into.push(raw);
    if (!isRecord(item.node)) {
      // An element with neither attributes nor content reads as its (empty or text) content.
      if (typeof item.node === 'string' && item.node.trim() !== '') {
        if (item.tag !== 'isofield') strayText(packager, item.tag, item.parentPath, item.node);
        refuseUnexpanded(packager, entities, item.node, 'the text of isofield', fieldOf(item.parentPath));
      }
      continue;
    }
    const declared = DECLARED[item.tag]!;
    for (const [key, value] of Object.entries(item.node)) {
      if (key.startsWith(ATTR) && typeof value === 'string') raw.attributes[key.slice(ATTR.length)] = value;
    }
    const path = item.tag === 'isopackager' ? '' : fieldPath(item.parentPath, raw.attributes.id);
    for (const [attribute, value] of Object.entries(raw.attributes)) {
      if (!declared.has(attribute)) {
        xmlError(packager, `attribute ${JSON.stringify(attribute)} is not one genericpackager.dtd declares for ${item.tag} (jPOS refuses the file)`, fieldOf(path));
      }
      refuseUnexpanded(packager, entities, value, `attribute ${JSON.stringify(attribute)}`, fieldOf(path));
    }
    const children: Pending[] = [];
    for (const [key, value] of Object.entries(item.node)) {
      if (key.startsWith(ATTR) || key.startsWith('?')) continue;
      if (key === '#text') {
        if (typeof value === 'string' && value.trim() !== '') {
          if (item.tag !== 'isofield') strayText(packager, item.tag, path, value);
          refuseUnexpanded(packager, entities, value, 'the text of isofield', fieldOf(path));
        }
        continue;
      }
      if (item.tag === 'isofield' || !FIELD_TAGS.has(key)) {
        const allowed = item.tag === 'isofield' ? 'text only' : 'isofield and isofieldpackager elements only';
        xmlError(packager, `element <${key}> in ${item.tag}: genericpackager.dtd allows ${allowed} there (jPOS refuses the file)`, fieldOf(path));
      }
      for (const node of Array.isArray(value) ? (value as unknown[]) : [value]) children.push({ node, tag: key, into: raw.children, parentPath: path });
    }
    // Pushed in reverse so that they are read, and so kept, in the parser's order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return top[0]!;
}

function strayText(packager: string, tag: string, path: string, text: string): never {
  return xmlError(packager, `text ${shown(text.trim())} in ${tag}: genericpackager.dtd allows isofield and isofieldpackager elements only there (a line missing its "<"?)`, fieldOf(path));
}

function fieldPath(parentPath: string, id: string | undefined): string {
  const own = id === undefined ? '?' : id.trim();
  return parentPath === '' ? own : `${parentPath}.${own}`;
}

function fieldOf(path: string): string | undefined {
  return path === '' ? undefined : path;
}
