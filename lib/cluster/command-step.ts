import type { OpenCommand } from "./load-open-command";

export type CommandStep = "demote" | "promote" | "wait";

/**
 * This node's part in a command. The active steps down for a DEMOTE aimed at it, or for a
 * switchover/promote to another node once that node has heartbeated since the command was issued
 * (never into a void: a target that died a moment ago is not waited for with the role dropped);
 * the target promotes itself once no other node holds a valid lease.
 */
export function commandStep(command: OpenCommand, me: { nodeId: string; active: boolean }): CommandStep {
  if (command.overdue) return "wait";
  const isTarget = command.targetNodeId === me.nodeId;
  if (command.kind === "DEMOTE") return isTarget && me.active && command.status === "PENDING" ? "demote" : "wait";
  if (me.active) return !isTarget && command.status === "PENDING" && command.targetReady ? "demote" : "wait";
  return isTarget ? "promote" : "wait";
}
