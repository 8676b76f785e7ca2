import { isMaskedPan, maskValue } from '@iso8583/codec';
import type { Sensitivity } from '@iso8583/codec';

/*
 * Whether a value is already what the codec's mask for its field makes of it: the sequence loggers' two layers (the
 * per-message copy, then pino's redaction and the XML mask) must not mask a masked value again.
 */

/** Track data as the codec masks it: the PAN part masked, only stars after the separator. */
const MASKED_TRACK = /^[^0-9]{0,2}([0-9*]{1,19})[=Dd^]\**$/;

/** EMV data as the codec masks it: its tags, or its size when it was not valid TLV. */
const MASKED_EMV = /^EMV\[(?:[0-9A-F]+(?: [0-9A-F]+)*|\d+ bytes)?\]$/;

/**
 * True when `value` is exactly what the codec's mask for `sensitivity` makes of a value (so masking again would change
 * nothing, or only hide more of a masked track): `411111******1111`, `411111******1111=*****`, `EMV[9F26 9F27]`,
 * `********`. A value that merely holds a star (`5413330089010434=2512101*99`) is not masked.
 */
export function isMaskedValue(value: string, sensitivity: Sensitivity): boolean {
  // A PAN field that held track data is masked as a track (the codec's maskValue): that form is masked there too.
  if (sensitivity === 'track' || sensitivity === 'pan') {
    const track = MASKED_TRACK.exec(value);
    if (track !== null) return isMaskedPan(track[1]!);
  } else if (sensitivity === 'emv') {
    return MASKED_EMV.test(value);
  }
  return maskValue(value, sensitivity) === value;
}
