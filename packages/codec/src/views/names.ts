/**
 * A name from the input (an element, attribute or JSON key) made safe for an error text: names longer than 6
 * characters are cut to their first 6, so that no input can smuggle card data into an error through a name.
 */
export function safeName(name: string): string {
  return name.length <= 6 ? name : `${name.slice(0, 6)}...`;
}
