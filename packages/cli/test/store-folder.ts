/**
 * The files a gateway start opens in its store folder (the reversal journal's and the transaction log's), for the
 * tests that close each to the user the binary runs as (other-user.ts), and the gateway's flags around such a folder.
 */
import { JOURNAL_FILE, LOCK_FILE, TRANSACTION_LOCK_FILE, transactionFile } from '@iso8583/connector';
import { goneProcessId } from '@iso8583/test-support';

/** The pid in the lock files: a process that is gone (a fixed one can be a live process's where pid_max is 4,194,304). */
const GONE = goneProcessId();

/** `s` as a regular expression matching it literally. */
export const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The system's reason for a file this user may not open, as a regular expression. */
export const EACCES = 'EACCES \\(permission denied\\)';

/** Today's day file of the transaction log (UTC), the one its records are appended to. */
export const TODAY = transactionFile(new Date().toISOString().slice(0, 10));

/** The gateway's flags around a journal folder: a bank that is never there, ports the system picks. */
export const gatewayArgs = (journal: string, ...more: string[]): string[] => [
  'gateway', '--upstream', '127.0.0.1:9', '--listen', '0', '--http', '0', '--reversal-journal', journal, ...more,
];

/** The files of a store folder a start opens, each closed to the user in turn, and what the start does with it. */
export const STORE_FILES: { file: string; use: 'read' | 'write'; text: string }[] = [
  { file: JOURNAL_FILE, use: 'read', text: '\n' },
  { file: `${JOURNAL_FILE}.tmp`, use: 'write', text: '\n' },
  { file: LOCK_FILE, use: 'read', text: `${GONE}\n` },
  { file: `${LOCK_FILE}.takeover-${GONE}`, use: 'read', text: `${GONE}\n` },
  { file: TRANSACTION_LOCK_FILE, use: 'read', text: `${GONE}\n` },
  { file: TODAY, use: 'read', text: '' },
  // One of the two newest day files, which the start reads back (today's being absent).
  { file: transactionFile('2026-01-01'), use: 'read', text: '' },
];
