import type { ClusterDetailJson, CommandJson, NodeJson } from "@/lib/api/api-types";

export type CommandKind = "PROMOTE" | "DEMOTE" | "SWITCHOVER";
/** What the confirmation dialog asks about: a role command, or removing a node that is gone. */
export type PlannedCommand = { kind: CommandKind | "REMOVE"; target: NodeJson };

/**
 * Which role command each node's row offers, given the cluster's state; null for none. The state
 * is read once per table, not once per row (a 1,000-node table is rebuilt on every poll).
 */
export function commandOffer(nodes: NodeJson[]): (node: NodeJson) => CommandKind | null {
  const active = nodes.some((n) => n.role === "ACTIVE");
  const leaseHeld = nodes.some((n) => n.role === "ACTIVE" && (n.leaseRemainingMs ?? 0) > 0);
  return (node) => {
    if (node.role === "ACTIVE") return "DEMOTE";
    if (!leaseHeld) return "PROMOTE";
    return active ? "SWITCHOVER" : "PROMOTE";
  };
}

/** commandOffer for one node. */
export const commandFor = (node: NodeJson, nodes: NodeJson[]) => commandOffer(nodes)(node);

export const COMMAND_LABEL: Record<CommandKind, string> = { PROMOTE: "Promote", DEMOTE: "Demote", SWITCHOVER: "Switch over here" };

/** Why a node's checks say it should not take the role (the server's words), or null. */
export function checkProblem(node: Pick<NodeJson, "name" | "checkStatus" | "isolated" | "checks">): string | null {
  const failing = node.checks.find((c) => c.status === "FAILING");
  if (node.isolated) return `${node.name} is isolated (its gateway check fails${failing ? `: ${failing.output}` : ""})`;
  if (node.checkStatus === "FAILING") return `${node.name}'s checks fail${failing ? ` (${failing.name}: ${failing.output})` : ""}`;
  return null;
}

/** The node automatic failover would elect, mirroring the agents' rule (healthy, not in maintenance or held, priority > 0, checks not failing, not isolated; highest priority, then name). */
export function likelyElected(nodes: NodeJson[], excluding: string): NodeJson | undefined {
  return nodes
    .filter(
      (n) =>
        n.name !== excluding &&
        n.health === "healthy" &&
        !n.maintenance &&
        n.priority > 0 &&
        n.holdRemainingMs === null &&
        n.checkStatus !== "FAILING" &&
        !n.isolated,
    )
    .sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name))[0];
}

/**
 * The active keeps its role although its checks fail, because no standby passes its own (the
 * agents' rule: step down only to a healthy, eligible standby whose checks pass). The words the
 * cluster page shows, or null.
 */
export function keptWithoutStandby(nodes: NodeJson[]): string | null {
  const active = nodes.find((n) => n.role === "ACTIVE");
  if (!active || active.checkStatus !== "FAILING" || active.isolated || active.health === "down") return null;
  const successor = nodes.some(
    (n) =>
      n.role === "STANDBY" &&
      n.health === "healthy" &&
      !n.maintenance &&
      n.priority > 0 &&
      n.holdRemainingMs === null &&
      n.checkStatus === "PASSING" &&
      !n.isolated,
  );
  if (successor) return null;
  const failing = active.checks.find((c) => c.status === "FAILING");
  return `${active.name}'s checks fail${failing ? ` (${failing.name}: ${failing.output})` : ""}, but no standby passes its own checks: ${active.name} keeps the active role rather than leave the cluster with none.`;
}

/** What will happen, in the words the confirmation dialog shows. `force`: the target's checks fail, so only a forced command (ADMIN) goes through. */
export function describeCommand(
  { kind, target }: PlannedCommand,
  detail: ClusterDetailJson,
): { title: string; consequence: string; notes: string[]; confirm: string; force?: string } {
  // The table may show a page of the nodes; the answer's key nodes (the active, the next pick) are always in it.
  const nodes = [...detail.keyNodes, ...detail.nodes];
  const active = nodes.find((n) => n.role === "ACTIVE");
  const notes: string[] = [];
  // One service of several: say which, and that the others stay where they are.
  const service = detail.cluster.services.length > 1 ? detail.cluster.service : null;
  if (service && kind !== "REMOVE") notes.push(`Only service ${service} moves; the other services of ${detail.cluster.name} stay where they are.`);
  if (kind === "REMOVE") {
    return {
      title: `Remove ${target.name}?`,
      consequence: `${target.name} is removed from ${detail.cluster.name}; its history stays in the audit log.`,
      notes: [`Use this for a node that is gone for good. If its agent comes back, it stops; started again, it joins as a new node.`],
      confirm: `Remove ${target.name}`,
    };
  }
  if (kind === "SWITCHOVER") {
    const from = active?.name ?? "the active node";
    if (active && active.health !== "healthy") {
      notes.push(`${from} is ${active.health}: ${target.name} takes over only once ${from}'s lease has expired, so two nodes are never active at once.`);
    }
    if (target.health !== "healthy") notes.push(`${target.name} is ${target.health}; the agents will refuse a target that is not healthy.`);
    const sick = checkProblem(target);
    if (sick) notes.push(`${sick}: the console refuses it unless an ADMIN forces it.`);
    return {
      title: service ? `Switch over ${service} to ${target.name}?` : `Switch over to ${target.name}?`,
      consequence: `${from} stops being active; ${target.name} becomes active.`,
      notes,
      confirm: `Switch over to ${target.name}`,
      ...(sick && { force: sick }),
    };
  }
  if (kind === "PROMOTE") {
    if (active) notes.push(`${active.name} is still marked active but holds no valid lease (${active.health}); it becomes standby.`);
    else notes.push("No node is active right now.");
    const sick = checkProblem(target);
    if (sick) notes.push(`${sick}: the console refuses it unless an ADMIN forces it.`);
    return {
      title: `Promote ${target.name}?`,
      consequence: `${target.name} becomes active.`,
      notes,
      confirm: `Promote ${target.name}`,
      ...(sick && { force: sick }),
    };
  }
  const automatic = detail.cluster.failoverMode === "AUTOMATIC" && !detail.cluster.paused;
  const next = likelyElected(nodes, target.name);
  let consequence: string;
  if (!automatic) {
    const why = detail.cluster.paused ? "automatic failover is paused" : "the cluster is in manual failover mode";
    consequence = `${target.name} stops being active; no node becomes active until you promote one (${why}).`;
  } else if (next) {
    consequence = `${target.name} stops being active; ${next.name} becomes active (automatic election).`;
  } else {
    consequence = `${target.name} stops being active; no standby is eligible to take over, so the cluster will have no active node.`;
  }
  if (automatic) notes.push(`${target.name} is held off from re-election for a while, so the role does not come straight back.`);
  return { title: `Demote ${target.name}?`, consequence, notes, confirm: `Demote ${target.name}` };
}

/** How one hook run ended, in words: "demote hook on node-a: ok in 3012 ms", "promote hook on node-b failed: exit code 3 (after 40 ms)". */
export type HookLine = { text: string; ok: boolean };

/**
 * The hook outcomes an agent stored on a command, demote first (the old active steps down before
 * the target promotes). Anything that is not a well-formed outcome is left out, never guessed at.
 */
export function describeHookOutcomes(outcomes: CommandJson["hookOutcomes"] | undefined): HookLine[] {
  const lines: HookLine[] = [];
  for (const step of ["demote", "promote"] as const) {
    const o: unknown = outcomes?.[step];
    if (!o || typeof o !== "object") continue;
    const { node, ok, ms, error } = o as Record<string, unknown>;
    if (typeof node !== "string" || typeof ok !== "boolean") continue;
    const took = typeof ms === "number" && Number.isFinite(ms) ? Math.round(ms) : null;
    const why = typeof error === "string" && error !== "" ? error : null;
    if (ok) {
      lines.push({ ok, text: `${step} hook on ${node}: ok${took === null ? "" : ` in ${took} ms`}` });
    } else if (why?.startsWith("skipped")) {
      lines.push({ ok, text: `${step} hook on ${node} ${why}` });
    } else {
      const after = took === null || /\d ms\b/.test(why ?? "") ? "" : ` (after ${took} ms)`;
      lines.push({ ok, text: `${step} hook on ${node} failed: ${why ?? "no reason recorded"}${after}` });
    }
  }
  return lines;
}

/**
 * What an open command is doing right now, from the node roles of the same snapshot. A RUNNING
 * command's old active is stepping down (its demote hook runs while it still holds the lease), so
 * it can no longer be cancelled.
 */
export function describeCommandStage(command: Pick<CommandJson, "kind" | "status" | "targetNode">, nodes: NodeJson[]): string | null {
  const { kind, status, targetNode } = command;
  const active = nodes.find((n) => n.role === "ACTIVE");
  if (status === "PENDING") {
    if (kind === "DEMOTE" || !active || active.name === targetNode) return `Waiting for the agents to pick it up.`;
    return `Waiting for ${targetNode} to confirm it is ready; then ${active.name} steps down.`;
  }
  if (status !== "RUNNING") return null;
  if (active && active.name !== targetNode) {
    return `${active.name} is stepping down (running its demote hook); ${targetNode} takes over once it has released the lease. It can no longer be cancelled.`;
  }
  if (active && kind === "DEMOTE") return `${targetNode} is stepping down (running its demote hook). It can no longer be cancelled.`;
  if (active) return `${targetNode} is active.`;
  return kind === "DEMOTE" ? `${targetNode} has stepped down.` : `${targetNode} is taking over.`;
}
