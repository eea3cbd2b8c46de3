// Reads agents' JSON log lines back into the intervals each believed it was active. An interval
// starts at "became ACTIVE" and ends at whichever comes first: the "became STANDBY" line or the
// last lease deadline it logged (a process frozen by SIGSTOP cannot write its STANDBY line on time,
// but never acts past that deadline: isActive() checks it).

export type LogLine = { mono: string; node: string; event?: string; role?: string; epoch?: string; validUntil?: string; msg: string; [k: string]: unknown };
/** When one agent believed it was active, on the machine's monotonic clock (ns); the audit-derived view is lib/cluster/active-timeline.ts. */
export type AgentActiveSpan = { node: string; epoch: string; start: bigint; end: bigint };

export function parseLogLines(text: string): LogLine[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as LogLine];
      } catch {
        return [];
      }
    });
}

export function activeIntervals(lines: LogLine[], untilMono: bigint): AgentActiveSpan[] {
  const intervals: AgentActiveSpan[] = [];
  let open: { node: string; epoch: string; start: bigint; validUntil: bigint } | null = null;
  for (const line of lines) {
    const mono = BigInt(line.mono);
    if (line.event === "role" && line.role === "ACTIVE") {
      open = { node: line.node, epoch: String(line.epoch), start: mono, validUntil: BigInt(line.validUntil!) };
    } else if (line.event === "lease" && open) {
      open.validUntil = BigInt(line.validUntil!);
    } else if (line.event === "role" && line.role === "STANDBY" && open) {
      intervals.push({ node: open.node, epoch: open.epoch, start: open.start, end: min(mono, open.validUntil) });
      open = null;
    }
  }
  if (open) intervals.push({ node: open.node, epoch: open.epoch, start: open.start, end: min(untilMono, open.validUntil) });
  return intervals;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** Pairs of intervals of different nodes that overlap in time; empty means no split brain. */
export function overlappingIntervals(intervals: AgentActiveSpan[]): [AgentActiveSpan, AgentActiveSpan][] {
  const sorted = [...intervals].sort((a, b) => (a.start < b.start ? -1 : 1));
  const overlaps: [AgentActiveSpan, AgentActiveSpan][] = [];
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length && sorted[j].start < sorted[i].end; j++) {
      if (sorted[j].node !== sorted[i].node) overlaps.push([sorted[i], sorted[j]]);
    }
  }
  return overlaps;
}
