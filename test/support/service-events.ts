import { readFile } from "node:fs/promises";

/**
 * Hooks that write when a node's service starts and stops, on the one wall clock every process of
 * this machine shares (date +%s%N): the service runs from the start of the promote hook until the
 * end of the demote hook, the interval the invariant is about.
 */
export function serviceHooks(file: string, { demoteSleepS = 0, promoteExtra = "" } = {}) {
  return {
    promote: `echo "promote-start $NODE $EPOCH $(date +%s%N)" >> ${file}${promoteExtra ? `; ${promoteExtra}` : ""}`,
    demote: `${demoteSleepS ? `sleep ${demoteSleepS}; ` : ""}echo "demote-end $NODE $EPOCH $(date +%s%N)" >> ${file}`,
  };
}

export const hookArgs = (hooks: { promote: string; demote: string }) => ["--on-promote", hooks.promote, "--on-demote", hooks.demote];

/** A service interval; end null: its demote hook has not finished (or was killed before it could write). */
export type ServiceInterval = { node: string; epoch: string; start: bigint; end: bigint | null };

export async function serviceIntervals(file: string): Promise<ServiceInterval[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  const intervals: ServiceInterval[] = [];
  for (const line of text.split("\n").filter(Boolean)) {
    const [what, node, epoch, ns] = line.split(" ") as [string, string, string, string];
    if (what === "promote-start") intervals.push({ node, epoch, start: BigInt(ns), end: null });
    else intervals.find((i) => i.node === node && i.epoch === epoch && i.end === null)!.end = BigInt(ns);
  }
  return intervals;
}

/** Pairs of different nodes' service intervals that overlap (an unfinished one lasts until now). */
export function serviceOverlaps(intervals: ServiceInterval[]): [ServiceInterval, ServiceInterval][] {
  const now = BigInt(Date.now()) * 1_000_000n;
  const end = (i: ServiceInterval) => i.end ?? now;
  const overlaps: [ServiceInterval, ServiceInterval][] = [];
  for (const a of intervals) for (const b of intervals) if (a.node < b.node && a.start < end(b) && b.start < end(a)) overlaps.push([a, b]);
  return overlaps;
}
