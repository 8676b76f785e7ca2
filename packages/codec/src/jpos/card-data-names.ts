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
 * What a name says is about card data, not the card data itself: the PAN's country code (1987 20 "PAN EXTENDED
 * COUNTRY CODE") and sequence number (23 "ICC CARD SEQUENCE NUMBER"), an entry mode ("POS ENTRY MODE (ICC/EMV)"), a
 * capability ("TERMINAL EMV CAPABILITY"), a response or reason code ("ICC RESPONSE CODE"), a presence indicator or flag.
 * A response or result alone is no such word ("REPLACEMENT PAN (RESPONSE)", "ICC RESPONSE DATA" carry the data).
 */
const ABOUT_CARD_DATA = /\b(COUNTRY|SEQUENCE|SEQ|MODE|CAPABILITY|CAPABILITIES|REASON|CODE|PRESENCE|IND|INDICATOR|FLAG)\b/;

/**
 * What says a name carries the card data whatever else it says: its data or value, or the card data and more ("PAN AND
 * SERVICE CODE", "EMV DATA (ISSUER SCRIPT RESULTS)").
 */
const CARRIES_DATA = /\b(DATA|VALUE|AND)\b/;

/** What a card verification name says is about the value: a result, response or reason, a presence indicator or flag. */
const ABOUT_VERIFICATION = /\b(RESULTS?|RES|RESPON[CS]E|REASON|PRESENCE|IND|INDICATOR|FLAG)\b/;

/** A presence flag ("CVV2 PRESENT"), not the value present ("CVV2 VALUE IF PRESENT", "CVV2 DATA (PRESENT)"). */
function isPresenceFlag(n: string): boolean {
  return /\bPRESENT\b/.test(n) && !/\bIF PRESENT\b|\b(VALUE|DATA)\b/.test(n);
}

/**
 * The sensitivity a field's name says, or `undefined`. Separators read as spaces, and "CVC 2" as "CVC2" (Mastercard's
 * own spelling): "CVV2/CVC2", "CVV_2". "CVV2 Value", "CVV2 Value if present" and "CVV2 Request Data" (VISA 126.10,
 * whose bytes 3-6 are the CVV2 itself) carry the value; a result, presence or indicator field ("CVV2 Presence Ind",
 * "CVV2 Result Data") carries none, nor does a response or reason code ("CVV2 Responce Code", "CVC/CVV Ver Res"):
 * masking it would only keep its whole field out of the SAF journal.
 *
 * A data element and a sub-field alike: a private field 63 "ICC DATA" is chip data (`emv`, never stored), while a name
 * about chip data (22 "POS ENTRY MODE (ICC/EMV)", 23 "ICC CARD SEQUENCE NUMBER") marks nothing: data marked `emv`
 * would be dropped from reversals and refused in SAF advices.
 */
export function sensitivityByName(name: string): Sensitivity | undefined {
  const n = name.toUpperCase().replace(/[/_-]/g, ' ').replace(/\b(CVV|CVC|CAV) ([0-9])\b/g, '$1$2');
  if (isPinBlock(n)) return 'pin';
  if (isVerificationData(n) && !ABOUT_VERIFICATION.test(n) && !isPresenceFlag(n)) return 'cvv';
  if (/\bTRACK ?[123]?\b/.test(n)) return 'track';
  if (ABOUT_CARD_DATA.test(n) && !CARRIES_DATA.test(n)) return undefined;
  if (/\b(ICC|EMV)\b/.test(n)) return 'emv';
  if (/\bPRIMARY ACCOUNT NUMBER\b|\bPAN\b/.test(n)) return 'pan';
  return undefined;
}
