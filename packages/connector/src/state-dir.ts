/**
 * Where a journal goes when nobody says: a per-user state folder (XDG Base Directory: `$XDG_STATE_HOME`, else
 * `~/.local/state`), never the working directory (which may be a source checkout, where a journal holding PANs must
 * not land).
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The default journal folder of a connector: `$XDG_STATE_HOME/iso8583/<name>` when `XDG_STATE_HOME` is an absolute
 * path, else `~/.local/state/iso8583/<name>`. `name` is the connector's name (characters other than letters, digits,
 * `.`, `_` and `-` become `_`; a name of dots only is `_`).
 */
export function defaultJournalDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME;
  const base = state !== undefined && isAbsolute(state) ? state : join(homedir(), '.local', 'state');
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(base, 'iso8583', safe === '' || /^\.+$/.test(safe) ? '_' : safe);
}
