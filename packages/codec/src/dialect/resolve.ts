import { dirname } from 'node:path';
import type { Dialect } from '../types.js';
import { codecError } from '../errors.js';
import { BUILTIN_DIALECTS, getDialect } from './builtin.js';
import { DialectFileError, readDialectFile, readFileOption } from './dialect-file.js';
import type { DialectFileReader } from './dialect-file.js';
import { dialectFromJson } from './json-dialect.js';
import { dialectFromPackagerXml } from '../jpos/packager-xml.js';

function readText(path: string): string {
  try {
    return readDialectFile(path);
  } catch (err) {
    // The system's code (ENOENT, EISDIR, EACCES) or the rule's refusal says why; the path is the caller's own.
    const why = err instanceof DialectFileError ? `: ${err.reason}` : '';
    throw codecError('ISO8583_ERR_DIALECT_UNKNOWN', `the dialect file cannot be read${why}`, { field: 'dialect', cause: err });
  }
}

/**
 * Resolves a dialect reference: a dialect object, a built-in name, or a path to a `.json` dialect file or a `.xml`
 * jPOS GenericPackager file. Throws `ISO8583_ERR_DIALECT_UNKNOWN` for anything else, saying that a file's path ends in
 * `.json` or `.xml`: the suffix says how the file is read, so a path without one (a shell's `<(...)`, `/dev/fd/63`) is
 * no dialect file.
 *
 * `options.readFile` reads the file of a path (its UTF-8 text; it throws its own error when it cannot), and the jPOS
 * packager a JSON dialect `extends` alike: an application holds the files it is given to its own rules with it (the
 * `iso8583` command: a regular file of at most 1 MiB, its error naming `--dialect`, the file and the system's reason).
 * Default: a regular file of at most 1 MiB (`readDialectFile`: a device or a FIFO is refused at once), a failure
 * `ISO8583_ERR_DIALECT_UNKNOWN` with the system's code or the refusal (for the packager `extends` names:
 * `ISO8583_ERR_DIALECT_INVALID` naming `extends`, see `dialectFromJson`).
 */
export function resolveDialect(ref: Dialect | string, options: { readonly readFile?: DialectFileReader } = {}): Dialect {
  if (typeof ref !== 'string') {
    if (ref === null || typeof ref !== 'object') {
      throw codecError('ISO8583_ERR_DIALECT_UNKNOWN', 'a dialect is a dialect object, a built-in name or a file path', {
        field: 'dialect',
      });
    }
    return ref;
  }
  readFileOption(options.readFile);
  const lower = ref.toLowerCase();
  const read = options.readFile ?? readText;
  // A `.xml` packager the file `extends` is read from the file's own folder, by the same reader.
  if (lower.endsWith('.json')) return dialectFromJson(read(ref), { dir: dirname(ref), readFile: options.readFile });
  if (lower.endsWith('.xml')) {
    const base = ref.replace(/^.*[\\/]/, '').replace(/\.xml$/i, '');
    return dialectFromPackagerXml(read(ref), base);
  }
  if (!BUILTIN_DIALECTS.includes(ref)) {
    throw codecError(
      'ISO8583_ERR_DIALECT_UNKNOWN',
      `unknown dialect ${JSON.stringify(ref)}: neither built in (${BUILTIN_DIALECTS.join(', ')}) nor a file path ending in .json (a dialect) or .xml (a jPOS packager)`,
      { field: 'dialect' },
    );
  }
  return getDialect(ref);
}
