/**
 * A name from the input (an element, attribute or JSON key) made safe for an error text: names longer than 6
 * characters are cut to their first 6, and a name that still holds more than 4 digits (ASCII or any other decimal digit:
 * `４`) shows each of them as `#`, so
 * that no input can smuggle card data into an error through a name (`4111111111111111` -> `######...`,
 * `_47617` -> `_#####`). A mistyped field number (`0004`, `-3`) or an EMV tag (`9F26`) shows as it is.
 */
export function safeName(name: string): string {
  const cut = name.length <= 6 ? name : `${name.slice(0, 6)}...`;
  let digits = 0;
  for (let i = 0; i < cut.length; i++) if (cut.charCodeAt(i) >= 0x30 && cut.charCodeAt(i) <= 0x39) digits++;
  // Any decimal digit counts, and is hidden, as an ASCII one (`４１１１１１` -> `######`): the free-text masks read them
  // as digits too.
  digits += (cut.match(OTHER_DIGITS) ?? []).length;
  return digits > 4 ? cut.replace(ANY_DIGIT, '#') : cut;
}

/** A decimal digit other than ASCII `0`-`9` (full-width, Arabic-Indic...). */
const OTHER_DIGITS = /(?![0-9])\p{Nd}/gu;
/** Any decimal digit. */
const ANY_DIGIT = /\p{Nd}/gu;
