/**
 * A mediation script: calls the connector library directly, as a WSO2 mediation sequence calls the connector's
 * `sendMessage`. An `ISOMessage` XML request goes in, the bank's XML answer comes out.
 *
 * Run it: `BANK_PORT=8583 node examples/dist/mediation.js` (start a bank with `iso8583 simulate-host --port 8583`).
 *
 * Reversal is off here, the connector's default: a purchase that times out once written
 * (`ISO8583_ERR_CONNECTOR_TIMEOUT`, `sent: 'maybe'`) is not reversed, and an approval the bank gave it stands. A script
 * that moves money gives its connector `reversal: { enabled: true, journalDir }` (as examples/fastify-app.ts does) and,
 * before it ends, waits for the `reversal` event that ends the entry of a request that failed so (stage `answered`,
 * `abandoned`, `expired` or `released`), or runs again with the same journal folder (what it still owes is sent at the
 * next start).
 */
import { fileURLToPath } from 'node:url';
import { createConnector } from '@iso8583/connector';

/** A purchase as WSO2's connector takes it: ISOMessage XML (test card number). */
export function purchaseXml(stan: number, amountMinor: number): string {
  return `<ISOMessage>
  <data>
    <field id="0">0200</field>
    <field id="2">4111111111111111</field>
    <field id="3">000000</field>
    <field id="4">${String(amountMinor).padStart(12, '0')}</field>
    <field id="11">${String(stan).padStart(6, '0')}</field>
    <field id="14">3012</field>
    <field id="22">051</field>
    <field id="41">MEDIATE1</field>
    <field id="42">EXAMPLEMERCHANT</field>
    <field id="49">840</field>
  </data>
</ISOMessage>`;
}

/** Sends one purchase to the bank at `host:port` and returns the XML answer. */
export async function mediate(host: string, port: number, stan = 1, amountMinor = 1999): Promise<string> {
  // Reversal off (see above): a timeout here leaves the purchase's outcome to reconciliation with the bank.
  const bank = createConnector({ name: 'bank', host, port, dialect: 'iso87ascii', frame: 'binary2', requestTimeout: 10_000 });
  try {
    await bank.connect();
    return await bank.sendMessage(purchaseXml(stan, amountMinor));
  } finally {
    await bank.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const answer = await mediate(process.env.BANK_HOST ?? '127.0.0.1', Number(process.env.BANK_PORT ?? 8583));
  process.stdout.write(answer + '\n');
}
