// How scripts/test.mjs splits the compiled test files into groups (one process each) and in which order it hands them
// to node's runner: the order is the schedule, since the runner starts the next group as soon as one of its slots is
// free. In path order, a long group that came last ran alone at the end (the suite's tail); so the groups are handed
// over longest first (the classic longest-processing-time rule: what is left at the end is short), with each file's
// time from scripts/test-weights.json (seconds, from a whole run: `node scripts/test.mjs --times FILE`, then
// `node scripts/test-weights.mjs FILE`). A file it does not list (a new one) counts as the median file.
import { readFileSync } from 'node:fs';

/**
 * Most files in one group: a group loads its package once, and a longer one evens out less. A group costs about 1.1 s
 * of wall besides its files (the last fresh-clone run: 101 groups' time less their files', 111 s); with 24 a group
 * (and {@link GROUP_SECONDS} 60) the same files make about 57 groups instead of 101, and that run's file times
 * scheduled on two slots end about 28 s sooner (938 -> 910 s); more per group gains little more (32: 906 s).
 */
export const GROUP_FILES = 24;

/**
 * Most seconds of files in one group (unless one file alone takes longer): the slow files of a folder are spread over
 * several groups instead of filling one that would run long after the others.
 */
export const GROUP_SECONDS = 60;

/** The checked-in weights: compiled test file -> seconds. */
export function readWeights(url = new URL('./test-weights.json', import.meta.url)) {
  try {
    return new Map(Object.entries(JSON.parse(readFileSync(url, 'utf8'))));
  } catch {
    return new Map();
  }
}

/** `weights`' median (1 s when it is empty): what a file it does not list counts as. */
function median(weights) {
  const all = [...weights.values()].sort((a, b) => a - b);
  return all.length === 0 ? 1 : all[Math.floor(all.length / 2)];
}

/** The sum of `group`'s weights. */
export function groupSeconds(group, weightOf) {
  return group.reduce((sum, file) => sum + weightOf(file), 0);
}

/**
 * `files` in groups of one root each (`rootOf`: the files of a folder load the same package), each group at most
 * {@link GROUP_FILES} files and about {@link GROUP_SECONDS} seconds, the groups longest first; in a group, path order.
 * A root's files are dealt heaviest first to its lightest group with room, over as many groups as its count and its
 * seconds need, so that its groups come out about even.
 */
export function groups(files, rootOf, weights = readWeights()) {
  const fallback = median(weights);
  const weightOf = (file) => weights.get(file) ?? fallback;
  const byRoot = new Map();
  for (const file of files) {
    const root = rootOf(file);
    byRoot.set(root, [...(byRoot.get(root) ?? []), file]);
  }
  const out = [];
  for (const list of byRoot.values()) {
    const count = Math.max(Math.ceil(list.length / GROUP_FILES), Math.ceil(groupSeconds(list, weightOf) / GROUP_SECONDS));
    const bins = Array.from({ length: Math.min(count, list.length) }, () => ({ files: [], seconds: 0 }));
    for (const file of [...list].sort((a, b) => weightOf(b) - weightOf(a) || (a < b ? -1 : 1))) {
      const open = bins.filter((bin) => bin.files.length < GROUP_FILES);
      const bin = open.reduce((least, b) => (b.seconds < least.seconds ? b : least));
      bin.files.push(file);
      bin.seconds += weightOf(file);
    }
    out.push(...bins.map((bin) => bin.files.sort()));
  }
  return out
    .map((group) => ({ group, seconds: groupSeconds(group, weightOf) }))
    .sort((a, b) => b.seconds - a.seconds || (a.group[0] < b.group[0] ? -1 : 1))
    .map(({ group }) => group);
}
