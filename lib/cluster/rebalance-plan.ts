// The rebalance planner: a pure function of the cluster's placement, table-tested in
// rebalance-plan.test.ts. lib/cluster/rebalance.ts reads the live state and runs its moves.

/** A server's node row in one service: its name and its election priority there. */
export type Seat = { server: string; priority: number };

export type ServicePlacement = {
  /** A ONE-mode service of the cluster. */
  service: string;
  /** The server holding its valid lease. */
  active: Seat;
  /** The servers that could take it over now: healthy, not in maintenance or held off, priority > 0, checks not failing, not isolated. */
  standbys: Seat[];
};

export type PlanInput = {
  /** The servers the spread is measured over (those eligible for at least one service); a server holding an active counts too. */
  servers: string[];
  services: ServicePlacement[];
};

export type Move = { service: string; from: string; to: string };

/** Active services per server, and the spread: the most any server holds minus the fewest. */
export type Spread = { counts: Record<string, number>; spread: number };

export type Plan = ({ kind: "even" } & Spread) | ({ kind: "move"; move: Move } & Spread) | ({ kind: "stuck"; why: string } & Spread);

export function spreadOf({ servers, services }: PlanInput): Spread {
  const counts: Record<string, number> = Object.fromEntries(servers.map((s) => [s, 0]));
  for (const { active } of services) counts[active.server] = (counts[active.server] ?? 0) + 1;
  const values = Object.values(counts);
  return { counts, spread: values.length ? Math.max(...values) - Math.min(...values) : 0 };
}

/**
 * The next move towards an even spread (max - min <= 1), or why there is none. A move takes a
 * service from a server to one holding at least two fewer, so the sum of squares of the counts
 * drops with every move and a rebalance cannot cycle. Never onto a server with a lower priority
 * for that service than its current one (the election would not have put it there either).
 * Preference: the widest gap, then the higher priority, then service and server names.
 */
export function planMove(input: PlanInput): Plan {
  const spread = spreadOf(input);
  const { counts } = spread;
  if (spread.spread <= 1) return { kind: "even", ...spread };
  let best: { move: Move; gap: number; priority: number } | null = null;
  for (const { service, active, standbys } of input.services) {
    for (const to of standbys) {
      const gap = counts[active.server] - (counts[to.server] ?? 0);
      if (to.server === active.server || gap < 2 || to.priority < active.priority) continue;
      const candidate = { move: { service, from: active.server, to: to.server }, gap, priority: to.priority };
      if (!best || better(candidate, best)) best = candidate;
    }
  }
  if (best) return { kind: "move", move: best.move, ...spread };
  const byCount = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const [most, fewest] = [byCount[0], byCount.at(-1)!];
  return {
    kind: "stuck",
    why: `${most[0]} holds ${most[1]} services and ${fewest[0]} ${fewest[1]}, but no service can move to a server holding two fewer (none is eligible there with at least its current priority)`,
    ...spread,
  };
}

type Candidate = { move: Move; gap: number; priority: number };

function better(a: Candidate, b: Candidate): boolean {
  if (a.gap !== b.gap) return a.gap > b.gap;
  if (a.priority !== b.priority) return a.priority > b.priority;
  if (a.move.service !== b.move.service) return a.move.service < b.move.service;
  return a.move.to < b.move.to;
}
