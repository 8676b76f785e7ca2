/** Placeholder for `iso8583 run` until the gateway engineer's implementation replaces this file. */
export async function runCommand(argv: string[]): Promise<number> {
  void argv;
  process.stderr.write('iso8583: ISO8583_ERR_CLI_USAGE: the run command is not available yet\n');
  return 1;
}
