// The cases of the codec benchmark that its drivers share (`codec.bench.ts`, and `codec-instructions.ts`, which
// counts instructions): field 55's EMV data, and the read of every field of an unpacked message.
import type { Codec } from '@iso8583/codec';

/**
 * 130 bytes of EMV data as a terminal sends it in field 55: ARQC (9F26), CID (9F27), IAD (9F10), UN (9F37),
 * ATC (9F36), TVR (95), date (9A), type (9C), amount (9F02), currency (5F2A), AIP (82), country (9F1A),
 * other amount (9F03), capabilities (9F33), CVM results (9F34), terminal type (9F35), IFD serial (9F1E), AID (84),
 * sequence counter (9F41), PAN sequence (5F34). Test data, no real card.
 */
export const EMV_130 = emvData(130);

/** BER-TLV items (tag, value) filled up to `size` bytes with a 9F7C (customer exclusive data) item. */
function emvData(size: number): string {
  const items: [string, string][] = [
    ['9F26', '571F1E10D4FA4AAC'], ['9F27', '80'], ['9F10', '06010A03A4B802'], ['9F37', '5BB07472'],
    ['9F36', '000C'], ['95', '0080001000'], ['9A', '151118'], ['9C', '00'], ['9F02', '000000001000'],
    ['5F2A', '0840'], ['82', '3C00'], ['9F1A', '0840'], ['9F03', '000000000000'], ['9F33', 'E0F0C8'],
    ['9F34', '440302'], ['9F35', '22'], ['9F1E', '3531323032383135'], ['84', 'A0000000031010'],
    ['9F41', '000056'], ['5F34', '01'],
  ];
  let hex = '';
  for (const [tag, value] of items) hex += tag + (value.length / 2).toString(16).padStart(2, '0').toUpperCase() + value;
  const rest = size - hex.length / 2;
  if (rest === 0) return hex;
  const filler = rest - 3;
  if (filler < 0 || filler > 127) throw new Error('EMV test data does not fit');
  return hex + '9F7C' + filler.toString(16).padStart(2, '0').toUpperCase() + '00'.repeat(filler);
}

/** Reads every field of an unpacked message (the keys it was packed from); the total length keeps the reads alive. */
export function readEvery(message: Record<string, unknown>, keys: readonly string[]): number {
  let total = 0;
  for (let i = 0; i < keys.length; i++) total += (message[keys[i]!] as string).length;
  return total;
}

/** The keys of the fields of `message` that an unpack gives back (all but the bitmap). */
export function fieldKeys(message: Record<string, unknown>): string[] {
  return Object.keys(message).filter((k) => k !== '1');
}

/** The value of field 55 for a dialect: the 130 raw bytes as hex for a binary field, 130 characters otherwise. */
export function field55For(codec: Codec): string {
  const spec = codec.dialect.fields['55'];
  return spec !== undefined && spec.type === 'b' && spec.encoding === 'binary' ? EMV_130 : EMV_130.slice(0, 130);
}
