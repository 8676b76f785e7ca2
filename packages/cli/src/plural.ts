/** `n` and `what`, plural unless `n` is 1: `plural(2, 'frame')` is `2 frames`, `plural(1, 'frame')` is `1 frame`. */
export function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
