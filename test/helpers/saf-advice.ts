// What the SAF tests of the gateway binary share: storing a completion advice through its HTTP port.

/**
 * Stores a completion advice (0220) with `saf: true`, as a web client posts it, of terminal `terminal` (field 41)
 * and card `pan` (a test card number); resolves with the HTTP status (202: stored).
 */
export async function storeAdvice(base: string, stan: string, terminal: string, pan = '4111111111111111'): Promise<number> {
  const advice = { '0': '0220', '2': pan, '3': '000000', '4': '000000002500', '7': '1121103000', '11': stan, '41': terminal, '49': '840', saf: true };
  const res = await fetch(`${base}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(advice) });
  await res.arrayBuffer();
  return res.status;
}
