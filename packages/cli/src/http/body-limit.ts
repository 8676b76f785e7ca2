/**
 * The largest request body the HTTP port reads on a route without a limit of its own (the message routes `POST /`,
 * `POST /raw`, `/stats`, a path no route takes): 262144 bytes (256 KiB), as the workbench's (console/workbench.ts).
 * A message needs less: its largest wire image, 65,535 bytes, is 131,070 characters of hex (`POST /raw`), and its
 * fields as JSON or ISOMessage XML wrap about as much, unless most of its text must be escaped (`&quot;`, `\u0001`:
 * up to 6 characters a byte): such a message is sent as hex on `POST /raw`. A body announced past it (`Content-Length`) is answered 413
 * before a byte of it is read; a chunked one, once it passes the limit.
 *
 * Fastify's default, 1 MiB, let one address (up to `--http-max-connections-per-address`, 900 by default) hold about
 * 1 GB in bodies still arriving for `--request-timeout` each; at this limit, about a quarter of that.
 */
export const HTTP_BODY_LIMIT = 256 * 1024;

/**
 * Bytes of request bodies an HTTP port holds at once while they arrive, across its connections (body-budget.ts;
 * the gateway's `--http-body-budget`): 33554432 (32 MiB), 128 bodies at {@link HTTP_BODY_LIMIT}, some 16,000 messages
 * of 2 KB at once; an eighth of what the port's connections (1000 by default) could hold without it.
 */
export const DEFAULT_HTTP_BODY_BUDGET = 32 * 1024 * 1024;
