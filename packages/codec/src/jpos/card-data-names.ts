import type { Sensitivity } from '../types.js';

/**
 * Card data by the name a packager gives a field: what a sub-field (which has no standard number to go by) and a data
 * element the standard leaves unmarked (a private field 62 "CVV2 VALUE", 96 "PIN BLOCK (SECONDARY)") are masked as.
 * Names only mark a field, never unmark one: a false positive masks a value, a false negative shows card data.
 */

/** The spellings of a PIN block: "PIN BLOCK", "PINBLOCK", "PIN DATA", "ENCRYPTED PIN", "ENCIPHERED PIN". */
function isPinBlock(n: string): boolean {
  if (/\bPINBLOCK\b/.test(n)) return true;
  // "PIN ENTRY MODE", "POS ENTRY MODE", "PIN CAPTURE CODE" carry no PIN: a PIN word alone is not enough.
  return /\bPIN\b/.test(n) && /\b(BLOCK|DATA|ENCRYPTED|ENCIPHERED)\b/.test(n);
}

/**
 * The spellings of card verification data: "CVV", "CVV2", "CVC 2", "CVC3", "CAV2" (JCB), "CID" (American Express),
 * "CSC", "Card Security Code", "Card Verification Value 2".
 */
function isVerificationData(n: string): boolean {
  return /\b(CVV|CVC|CAV|CVN)[0-9]?\b|\b(CID|CSC|ICVV)\b|\bCARD (VERIFICATION|SECURITY)\b/.test(n);
}

/**
 * The sensitivity a field's name says, or `undefined`. Separators read as spaces, and "CVC 2" as "CVC2" (Mastercard's
 * own spelling): "CVV2/CVC2", "CVV_2". "CVV2 Value" and "CVV2 Request Data" (VISA 126.10, whose bytes 3-6 are the
 * CVV2 itself) carry the value; a result, presence or indicator field ("CVV2 Presence Ind", "CVV2 Result Data")
 * carries none, nor does a response or reason code ("CVV2 Responce Code", "CVC/CVV Ver Res"): masking it would only keep
 * its whole field out of the SAF journal.
 */
export function sensitivityByName(name: string): Sensitivity | undefined {
  const n = name.toUpperCase().replace(/[/_-]/g, ' ').replace(/\b(CVV|CVC|CAV) ([0-9])\b/g, '$1$2');
  if (isPinBlock(n)) return 'pin';
  if (isVerificationData(n) && !/\b(RESULTS?|RES|RESPON[CS]E|REASON|PRESENCE|PRESENT|IND|INDICATOR|FLAG)\b/.test(n)) return 'cvv';
  if (/\bTRACK ?[123]?\b/.test(n)) return 'track';
  if (/\b(ICC|EMV)\b/.test(n)) return 'emv';
  // The PAN's country code (1987 20 "PAN EXTENDED COUNTRY CODE", 1993 "Country code, primary account number") and
  // sequence number (23) are not the PAN.
  if (/\bPRIMARY ACCOUNT NUMBER\b|\bPAN\b/.test(n) && !/\b(COUNTRY|SEQUENCE|SEQ)\b/.test(n)) return 'pan';
  return undefined;
}
