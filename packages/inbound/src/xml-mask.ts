import type { Dialect, FieldSpec, Sensitivity } from '@iso8583/codec';
import { isFieldKey, isTlvTag, maskFieldValue, maskFreeText, maskValue, sensitiveFields } from '@iso8583/codec';
import { sensitivityOf, xmlEscape } from './card-data-forms.js';
import { isMaskedValue } from './masked-value.js';
import { emvContentShown } from './xml-emv-content.js';
import { headerContentEnd, maskedHeaderText } from './xml-header-mask.js';
import { attributeIs, entityDeclarationEnd, starredLiterals, xmlAttributes, tagEnd, specialEnd, tagName, plainName, wholeReferences, xmlText } from './xml-markup.js';

/*
 * The mask of the XML a sequence logs (`{ xml: message.xml }`, an upstream's reply): every sensitive `<field>` of an
 * `ISOMessage` or jPOS `<isomsg>` document masked for its field, every other one as the codec shows it, in one linear
 * scan (the pino redaction of the `xml` paths, sequence-logger.ts).
 */


/**
 * Text outside a field (markup that is no tag, text between tags) masked as free text (the codec's rule), a reference
 * with a starred character starred whole (well-formed output).
 */
function free(text: string): string {
  return text === '' ? text : wholeReferences(text, maskFreeText(text));
}

/** A field number or path as an `id` attribute writes it. */
const FIELD_ID = /^[0-9.]+$/;

/** A field number as the codec writes it (`2`, `127`): read as it is. */
const PLAIN_ID = /^(?:0|[1-9][0-9]{0,2})$/;

/**
 * The field number or path an `id` attribute's value names, as the codec's XML reader reads it: its references decoded
 * (`&#50;`) and the spaces around it trimmed (`id=" 2 "` is field 2); leading zeros aside (`02`, which the reader
 * refuses, is masked as field 2: the safe side). `undefined` when it names no field.
 */
function fieldId(written: string): string | undefined {
  if (PLAIN_ID.test(written)) return written;
  const id = xmlText(written).trim();
  if (!FIELD_ID.test(id)) return undefined;
  return id.split('.').map((part) => part.replace(/^0+(?=[0-9])/, '')).join('.');
}

/** A `<field` or `</field` (any case, any prefix) at a given place: a field's content ends at the first one. */
const FIELD_TAG = /<\/?(?:[\w.-]+:)?field[\s/>]/iy;

/** The start of a DOCTYPE declaration, any case. */
const DOCTYPE_OPEN = /^<!DOCTYPE$/i;

/** A `</field>` at a given place. */
const FIELD_CLOSE = /<\/(?:[\w.-]+:)?field\s*>/iy;

/** An `</isomsg>`. */
const ISOMSG_CLOSE = /^<\/(?:[\w.-]+:)?isomsg\s*>$/i;

/**
 * The `</field>` that ends the content of a field starting at `at`, where the codec's reader ends it: the first
 * `<field` or `</field` outside comments, processing instructions and CDATA sections (each stepped over whole, by
 * `specialEnd`: a `</field>` in one is text of it), when that is a `</field>` (`tag`: as written); `null` when it is
 * another `<field`, or none comes. A section never closed runs to the end of the text, and the content with it (`tag`
 * empty: the text is cut short). Linear: each character passed once.
 */
function fieldClose(xml: string, at: number): { index: number; tag: string } | null {
  for (let lt = xml.indexOf('<', at); lt !== -1; ) {
    const special = specialEnd(xml, lt);
    if (special === -1) return { index: xml.length, tag: '' };
    if (special !== undefined) {
      lt = xml.indexOf('<', special);
      continue;
    }
    FIELD_TAG.lastIndex = lt;
    if (FIELD_TAG.test(xml)) {
      FIELD_CLOSE.lastIndex = lt;
      const close = FIELD_CLOSE.exec(xml);
      return close === null ? null : { index: lt, tag: close[0] };
    }
    lt = xml.indexOf('<', lt + 1);
  }
  return null;
}

/** A sensitive field's XML text masked for it (left as it is when the per-message layer masked it already). */
function maskedText(text: string, sensitivity: Sensitivity): string {
  const raw = xmlText(text);
  return isMaskedValue(raw, sensitivity) ? text : xmlEscape(maskValue(raw, sensitivity));
}

/**
 * A tag inside a sensitive field's content with every attribute value starred (`<tag id="**" value="*">`), but its `id`
 * when `keepIds` and it is a BER-TLV tag (`isTlvTag`: never a card number, a name or track data written as an id).
 */
function starredAttributes(tag: string, keepIds: boolean): string {
  if (tag[1] === '/' || tag[1] === '!' || tag[1] === '?') return tag;
  let shown = '';
  let from = 0;
  for (const a of xmlAttributes(tag, 1 + tagName(tag).length)) {
    if (a.start === a.end) continue;
    if (keepIds && attributeIs(a.name, 'id') && isTlvTag(xmlText(tag.slice(a.start, a.end)))) continue;
    shown += tag.slice(from, a.start) + '*'.repeat(a.end - a.start);
    from = a.end;
  }
  return shown + tag.slice(from);
}

/** A processing instruction's target as it is kept when its content is starred: a name with no digit in it, and the space after it. */
const PI_TARGET = /^[A-Za-z_][A-Za-z_.-]*(?:\s+|$)/;

/**
 * A sensitive field's content that holds markup (field 55 as EMV `<tag>` elements, a CDATA section): every character
 * of text and of CDATA starred, the elements kept, their attribute values starred but (when `keepIds`) an `id` that
 * is a BER-TLV tag.
 */
function starredContent(content: string, keepIds: boolean): string {
  const out: string[] = [];
  let at = 0;
  while (at < content.length) {
    const lt = content.indexOf('<', at);
    const text = content.slice(at, lt === -1 ? content.length : lt);
    out.push(text.trim() === '' ? text : '*'.repeat(text.length));
    if (lt === -1) break;
    // A CDATA section runs to its `]]>` (it may hold `<` and `>`), a tag to its `>`; unclosed, either runs to the end.
    const cdata = content.startsWith('<![CDATA[', lt);
    // A comment runs to its `-->`, and is starred whole as text is (it may hold `<`, `>` and card data).
    if (!cdata && content.startsWith('<!--', lt)) {
      const closeComment = content.indexOf('-->', lt + 4);
      const stop = closeComment === -1 ? content.length : closeComment;
      out.push('<!--', '*'.repeat(stop - lt - 4), closeComment === -1 ? '' : '-->');
      at = closeComment === -1 ? content.length : closeComment + 3;
      continue;
    }
    // A processing instruction runs to its `?>`, a `<!` declaration to its first `>` (quotes in either are text):
    // their delimiters kept (and a PI's target, when it holds no digit) so that the output stays well-formed.
    if (!cdata && (content[lt + 1] === '?' || content[lt + 1] === '!')) {
      const pi = content[lt + 1] === '?';
      const closing = pi ? '?>' : '>';
      const closeAt = content.indexOf(closing, lt + 2);
      const stop = closeAt === -1 ? content.length : closeAt;
      const target = pi ? PI_TARGET.exec(content.slice(lt + 2, stop))?.[0] ?? '' : '';
      out.push(content.slice(lt, lt + 2), target, '*'.repeat(stop - lt - 2 - target.length), closeAt === -1 ? '' : closing);
      at = closeAt === -1 ? content.length : closeAt + closing.length;
      continue;
    }
    const close = cdata ? content.indexOf(']]>', lt + 9) : tagEnd(content, lt);
    const end = close === -1 ? content.length : close + (cdata ? 3 : 1);
    if (cdata) out.push('<![CDATA[', '*'.repeat((close === -1 ? end : close) - lt - 9), close === -1 ? '' : ']]>');
    else if (close === -1) out.push('<', '*'.repeat(end - lt - 1));
    else out.push(starredAttributes(content.slice(lt, end), keepIds));
    at = end;
  }
  return out.join('');
}

/**
 * A field's content that holds markup, masked: EMV data (field 55) as `<tag>` elements keeps its tag ids only when they
 * read without doubt (`emvContentShown`), else shows its size (`EMV[38 bytes]`: after a wrong length the "tags" are
 * PAN digits); any other content is starred, ids too (`starredContent`).
 */
function markupContent(text: string, sensitivity: Sensitivity | undefined): string {
  const emv = sensitivity === 'emv' ? emvContentShown(text) : undefined;
  return typeof emv === 'string' ? emv : starredContent(text, emv === true);
}

/**
 * A field's content that holds markup as the codec's XML reader reads it: its text with entities decoded, its CDATA
 * sections' text as it is, comments, processing instructions and tags dropped. One pass (linear in the content).
 */
function contentText(content: string): string {
  const out: string[] = [];
  let at = 0;
  while (at < content.length) {
    const lt = content.indexOf('<', at);
    out.push(xmlText(content.slice(at, lt === -1 ? content.length : lt)));
    if (lt === -1) break;
    let end: number;
    if (content.startsWith('<![CDATA[', lt)) {
      const close = content.indexOf(']]>', lt + 9);
      out.push(content.slice(lt + 9, close === -1 ? content.length : close));
      end = close === -1 ? content.length : close + 3;
    } else if (content[lt + 1] === '?' || content[lt + 1] === '!') {
      // A comment, processing instruction or `<!` declaration runs to its own end, its quotes read as text.
      const close = specialEnd(content, lt) ?? -1;
      end = close === -1 ? content.length : close;
    } else {
      const close = tagEnd(content, lt);
      end = close === -1 ? content.length : close + 1;
    }
    at = end;
  }
  return out.join('');
}

/** The definition of a field or sub-field (`2`, `127.2`) in `dialect`, if it has one. Internal (the sequence logger's redaction). */
export function fieldSpecAt(dialect: Dialect, path: string): FieldSpec | undefined {
  if (!path.includes('.')) return Object.hasOwn(dialect.fields, path) ? dialect.fields[path] : undefined;
  let fields: Record<string, FieldSpec> | undefined = dialect.fields;
  let spec: FieldSpec | undefined;
  for (const part of path.split('.')) {
    spec = fields !== undefined && Object.hasOwn(fields, part) ? fields[part] : undefined;
    fields = spec?.subfields?.fields;
  }
  return spec;
}

/** The most parts a sensitive field's path has in `dialect` (`2`: 1, `127.2`: 2). */
function deepestPath(dialect: Dialect): number {
  let most = 1;
  for (const id of sensitiveFields(dialect).keys()) most = Math.max(most, id.split('.').length);
  return most;
}

/**
 * `ISOMessage` XML (or jPOS `<isomsg>` XML) with the value of every sensitive `<field>` masked: each field read by its
 * path (a sub-field of `<isomsg id="127">` as `127.9`), its text, CDATA or `value` attribute masked for its field,
 * field 55 written as EMV `<tag>` elements with every tag's value starred; every other field's value as the codec's
 * `maskFieldValue` shows it (a PAN in a private field 48 masked as free text; an amount, a STAN, a terminal id as they
 * are), as `maskMessage` would show the message. A `<field>` start tag is read whatever the
 * order of its attributes and their quotes (`id='52'`), self-closing or not (`<field id="52" value="..."></field>`),
 * its names in any case or with a namespace prefix (`<Field ID="2">`, `<iso:field>`), its id as the codec's reader
 * reads it (`id=" 2 "`, `id="&#50;"`; `02` as `2`); a value's character references are decoded before it is masked.
 *
 * One scan, left to right, by tags: each tag runs from a `<` to its `>` (a quoted value stepped over: it may hold `>`;
 * a `<` with no `>` after it is a tag cut short, read to the end of the text); a field's content runs to the next `<field` or
 * `</field` outside comments, processing instructions and CDATA sections (where the codec's reader ends it: a
 * `</field>` in a comment is no end) and is masked when that is its `</field>` (starred when it holds markup); without one (a document cut short), its text up
 * to the next tag or the end is masked. Everything outside a field's value (text between tags, other tags and
 * their attributes, a field's attributes but `id` and `value`, comments, processing instructions, CDATA sections,
 * DOCTYPE; the value of an entity declaration in a DOCTYPE, `<!ENTITY pan "...">`, starred whole) is masked as free text (`maskFreeText`); a comment, processing instruction, CDATA
 * section or `<!` declaration runs to its own end (`-->`, `?>`, `]]>`, `>`), its quotes read as text. Each character is read a bounded number of times, whatever
 * the input (malformed, unclosed, hostile, nested deeper than any sensitive path of the dialect).
 */
export function maskXml(xml: string, dialect: Dialect): string {
  // The path of each open `<isomsg>` (`127`, `127.25`), `null` past the deepest path a sensitive field of the dialect
  // has (nothing under it can be sensitive): the path is never longer than that, so a field's id is made in bounded
  // time however deep the nesting.
  const deepest = deepestPath(dialect);
  const path: { prefix: string | null; depth: number }[] = [];
  const top = (): { prefix: string | null; depth: number } => path[path.length - 1] ?? { prefix: '', depth: 0 };
  const idOf = (id: string): string | undefined => {
    const { prefix } = top();
    return prefix === null ? undefined : prefix === '' ? id : `${prefix}.${id}`;
  };
  const out: string[] = [];
  let copied = 0; // xml before this is in `out`
  let at = 0;
  for (;;) {
    const lt = xml.indexOf('<', at);
    if (lt === -1) break;
    // Markup that is no tag, outside a field's content (a comment, a processing instruction, a CDATA section, a
    // DOCTYPE or other `<!` declaration) is free text: masked as the codec masks a field it does not define. It runs
    // to its own end (`-->`, `?>`, `]]>`, the first `>`: a quote in it pairs with nothing, `O'BRIEN` after it is
    // still read), or to the end of the text.
    // An entity declaration of a DOCTYPE (which the codec's reader refuses): read to its own end, its value paired
    // and starred (what `&name;` stands for in the document: a PAN in base64 too), the rest as free text.
    const entity = entityDeclarationEnd(xml, lt);
    if (entity !== undefined) {
      out.push(free(xml.slice(copied, lt)), free(starredLiterals(xml.slice(lt, entity))));
      copied = at = entity;
      continue;
    }
    const special = specialEnd(xml, lt);
    if (special !== undefined) {
      let stop = special === -1 ? xml.length : special;
      // A DOCTYPE's internal subset (`<!DOCTYPE x [<!ENTITY ...>]>`): the DOCTYPE ends at its `[` here, so that the
      // declarations in it are read one by one (an entity's value by its own rule, above).
      const subset = DOCTYPE_OPEN.test(xml.slice(lt, lt + 9)) ? xml.slice(lt, stop).indexOf('[') : -1;
      if (subset !== -1) stop = lt + subset + 1;
      out.push(free(xml.slice(copied, lt)), free(xml.slice(lt, stop)));
      copied = at = stop;
      continue;
    }
    // A tag never closed (a document cut short: `<field id="2" value="4111...`) is read as if it ended with the text,
    // so that a value in it is masked too; the `>` so added is not written. Nothing follows it: the scan ends there.
    const end = tagEnd(xml, lt);
    const cut = end === -1;
    const gt = cut ? xml.length : end;
    at = gt + 1;
    const tag = cut ? `${xml.slice(lt)}>` : xml.slice(lt, gt + 1);
    if (tag[1] === '/') {
      if (ISOMSG_CLOSE.test(tag)) path.pop();
      continue;
    }
    const written = tagName(tag);
    const name = plainName(written);
    const selfClosing = tag.endsWith('/>');
    if (name === 'isomsg') {
      if (!selfClosing) {
        const id = xmlAttributes(tag, 1 + written.length).find((a) => attributeIs(a.name, 'id'));
        const value = id === undefined ? undefined : fieldId(tag.slice(id.start, id.end));
        const outer = top();
        if (value === undefined || !/^[0-9]+$/.test(value) || outer.prefix === null) path.push(outer);
        else if (!isFieldKey(value) || outer.depth + 1 >= deepest) path.push({ prefix: null, depth: outer.depth + 1 });
        else path.push({ prefix: outer.prefix === '' ? value : `${outer.prefix}.${value}`, depth: outer.depth + 1 });
      }
      continue;
    }
    if (name === 'header') {
      // A message or composite field's header (base64 or hex): its content, to the next tag (CDATA, comments and
      // processing instructions in it read as part of it), masked as a header.
      if (!selfClosing) {
        const stop = headerContentEnd(xml, at);
        out.push(free(xml.slice(copied, at)), maskedHeaderText(xml.slice(at, stop)));
        copied = at = stop;
      }
      continue;
    }
    if (name !== 'field') continue;
    const attributes = xmlAttributes(tag, 1 + written.length);
    // A field named twice (`id="11" id="2"`) is masked if any of its names is sensitive.
    let sensitivity: Sensitivity | undefined;
    let spec: FieldSpec | undefined;
    for (const a of attributes) {
      const id = attributeIs(a.name, 'id') ? fieldId(tag.slice(a.start, a.end)) : undefined;
      const full = id === undefined ? undefined : idOf(id);
      if (full === undefined) continue;
      sensitivity ??= sensitivityOf(dialect, full);
      spec ??= fieldSpecAt(dialect, full);
    }
    // Its other attributes (`note="..."`), as every text outside a field's value, masked as free text.
    // Any other field as the codec shows it (maskFieldValue: a PAN in a private field 48 masked, an amount shown),
    // over its XML text as it is: the free-text rule reads escapes, and only stars what it hides (no markup made).
    const mask = sensitivity === undefined ? (text: string) => wholeReferences(text, maskFieldValue(text, undefined, spec)) : (text: string) => maskedText(text, sensitivity);
    let shown = '';
    let from = 0;
    for (const a of attributes) {
      if (!attributeIs(a.name, 'value') || a.start === a.end) continue;
      shown += free(tag.slice(from, a.start)) + mask(tag.slice(a.start, a.end));
      from = a.end;
    }
    shown += free(tag.slice(from, cut ? -1 : tag.length));
    let content = '';
    if (!selfClosing) {
      const close = fieldClose(xml, at);
      if (close !== null) {
        const text = xml.slice(at, close.index);
        // Content split by markup (`4111111<![CDATA[111111111]]>`, a comment between digits) is masked as it reads: a
        // sensitive field's always starred, any other's starred when the codec's rule hides something in it.
        if (text.length > 0 && text.includes('<')) {
          const read = sensitivity === undefined ? contentText(text) : '';
          content = sensitivity !== undefined || maskFieldValue(read, undefined, spec) !== read ? markupContent(text, sensitivity) : mask(text);
        } else if (text.length > 0) content = mask(text);
        content += close.tag;
        at = close.index + close.tag.length;
      } else {
        // No `</field>` of its own (a document cut short, or malformed): its text, to the next tag or the end, is
        // masked all the same.
        const end = xml.indexOf('<', at);
        const text = xml.slice(at, end === -1 ? xml.length : end);
        if (text.length > 0) content = mask(text);
        at += text.length;
      }
    }
    out.push(free(xml.slice(copied, lt)), shown, content);
    copied = at;
  }
  out.push(free(xml.slice(copied)));
  return out.join('');
}
