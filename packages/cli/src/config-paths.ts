/**
 * Paths in a config file (a flow file, a gateway config file) are read against the file's own folder, whatever the
 * working folder of the command: one rule for both (docs/flows.md "Paths", docs/gateway.md "Config file").
 */
import { isAbsolute, resolve } from 'node:path';

/** A dialect given as a file (`.json`, `.xml`), not a built-in name (the codec's `resolveDialect` rule). */
export function isDialectFile(ref: string): boolean {
  return /\.(json|xml)$/i.test(ref);
}

/** `path` against the config file's folder `dir`, unless absolute. */
export function fromFolder(dir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dir, path);
}
