/** Entry point of the `iso8583` command. */
export async function main(argv: string[]): Promise<number> {
  process.stdout.write(`iso8583 ${argv.join(' ')}\n`);
  return 0;
}
