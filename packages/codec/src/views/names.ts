/**
 * A name from the input (an element, attribute or JSON key) made safe for an error text: names longer than 6
 * characters are cut to their first 6, and every digit is shown as `#`, so that no input can smuggle card data into
 * an error through names, neither through one long name nor through many short ones (`<a4761/><a7390/>...`). Field
 * numbers and EMV tags that are valid are shown by their own rules, never through this.
 */
export function safeName(name: string): string {
  const cut = name.length <= 6 ? name : `${name.slice(0, 6)}...`;
  return cut.replace(/[0-9]/g, '#');
}
