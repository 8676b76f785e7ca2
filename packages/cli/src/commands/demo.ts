/** Placeholder for `iso8583 demo` until the gateway engineer's implementation replaces this file. */
export async function demoCommand(argv: string[]): Promise<number> {
  void argv;
  process.stderr.write('iso8583: ISO8583_ERR_CLI_USAGE: the demo command is not available yet\n');
  return 1;
}
