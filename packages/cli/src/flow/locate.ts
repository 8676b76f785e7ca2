/**
 * Where each value of a JSON text starts (line and column), by JSON Pointer, so that an error about
 * `/inboundEndpoints/pos/port` can also say `flow.json:14:15`. A tolerant scanner over text that already parsed.
 */

/** One key of a JSON pointer, escaped (RFC 6901): `~` as `~0`, `/` as `~1` (`p/os` -> `p~1os`). */
export function pointerKey(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The JSON pointer of `keys` from the file's root, each escaped ({@link pointerKey}): the one way a flow's problems,
 * warnings and errors name a place (`pointer('inboundEndpoints', 'p/os', 'port')` -> `/inboundEndpoints/p~1os/port`).
 */
export function pointer(...keys: (string | number)[]): string {
  return keys.map((k) => `/${pointerKey(k)}`).join('');
}

/** A position in a text, 1-based. */
export interface Position {
  line: number;
  column: number;
}

/** The line and column of character `offset` of `text` (0-based; the end of the text is a position too). */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: Math.min(offset, text.length) - lineStart + 1 };
}

/**
 * JSON Pointer -> where its value starts. A key given twice in one object (JSON keeps the last value) is where its
 * last value starts, and its pointer is added to `repeated` when given, once per repeat, in the order of the text.
 */
export function locateValues(text: string, repeated?: string[]): Map<string, Position> {
  const out = new Map<string, Position>();
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  // Lines are counted as the scan advances (`at` only grows), so that locating every value is linear in the text.
  let line = 1;
  let lineStart = 0;
  let counted = 0;
  const pos = (at: number): Position => {
    for (; counted < at; counted++) {
      if (text.charCodeAt(counted) === 10) {
        line++;
        lineStart = counted + 1;
      }
    }
    return { line, column: at - lineStart + 1 };
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (pointer: string): void => {
    ws();
    out.set(pointer, pos(i));
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      const keys = new Set<string>();
      while (i < text.length && text[i] !== '}') {
        ws();
        const key = str();
        ws();
        i++; // ':'
        if (keys.has(key)) repeated?.push(`${pointer}/${pointerKey(key)}`);
        keys.add(key);
        value(`${pointer}/${pointerKey(key)}`);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '[') {
      i++;
      let n = 0;
      ws();
      while (i < text.length && text[i] !== ']') {
        value(`${pointer}/${n++}`);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !/[\s,}\]]/.test(text[i] as string)) i++;
    }
  };
  try {
    value('');
  } catch {
    // a text that does not parse has no positions
  }
  return out;
}

/** The position of `pointer`, or of its nearest ancestor that exists (a missing key points at its object). */
export function positionOf(positions: Map<string, Position>, pointer: string): Position | undefined {
  let p = pointer;
  while (true) {
    const found = positions.get(p);
    if (found !== undefined) return found;
    if (p === '') return undefined;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}
