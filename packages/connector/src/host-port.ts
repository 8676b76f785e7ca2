// `host:port` as an operator writes it: a module of its own (subpath `@iso8583/connector/host-port`) so that the
// cli's start lines and flags can use it without loading the connector.

/**
 * `host:port` as an operator writes it, `[host]:port` for an IPv6 address (`[::1]:5000`, any host with a `:`): the one
 * home of the rule (the cli's start lines, flags, journal markers and `iso8583 send`'s connect error). A connect
 * error's text never holds it: the gateway returns that text to HTTP clients, and the bank's address is not theirs to
 * learn; the connector's `connection failed` log line has it as `host` and `port`.
 */
export function hostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
