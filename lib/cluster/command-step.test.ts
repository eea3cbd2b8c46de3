import { describe, expect, it } from "vitest";
import { commandStep } from "./command-step";
import type { OpenCommand } from "./load-open-command";

const cmd = (over: Partial<OpenCommand>): OpenCommand => ({
  id: "c1",
  kind: "SWITCHOVER",
  status: "PENDING",
  targetNodeId: "target",
  targetName: "b",
  targetReady: true,
  overdue: false,
  ...over,
});

// Each node's part in a command, as a table: who steps down, who takes over, who waits.
describe("commandStep", () => {
  it.each([
    ["switchover: the active steps down once the target proved alive", cmd({}), { nodeId: "old", active: true }, "demote"],
    [
      "switchover: the active keeps the role while the target has not heartbeated since the request",
      cmd({ targetReady: false }),
      { nodeId: "old", active: true },
      "wait",
    ],
    ["switchover: the active does nothing once it already stepped down (RUNNING)", cmd({ status: "RUNNING" }), { nodeId: "old", active: true }, "wait"],
    ["switchover: the target promotes itself (the transaction waits out any valid lease)", cmd({}), { nodeId: "target", active: false }, "promote"],
    ["switchover: a bystander standby waits", cmd({}), { nodeId: "other", active: false }, "wait"],
    ["promote: the target promotes itself", cmd({ kind: "PROMOTE" }), { nodeId: "target", active: false }, "promote"],
    ["demote: the targeted active steps down", cmd({ kind: "DEMOTE" }), { nodeId: "target", active: true }, "demote"],
    ["demote: a target that is no longer active waits", cmd({ kind: "DEMOTE" }), { nodeId: "target", active: false }, "wait"],
    ["demote: another node never steps down", cmd({ kind: "DEMOTE" }), { nodeId: "other", active: true }, "wait"],
    ["overdue: nobody acts, the command is expired instead", cmd({ overdue: true }), { nodeId: "target", active: false }, "wait"],
    ["overdue: not even the active", cmd({ overdue: true }), { nodeId: "old", active: true }, "wait"],
  ] as const)("%s", (_name, command, me, expected) => {
    expect(commandStep(command, me)).toBe(expected);
  });
});
