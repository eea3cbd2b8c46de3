// What a command's hookOutcomes look like to its readers (VIEWERs included): only the outcome.
import { describe, expect, it } from "vitest";
import { publicHookOutcomes } from "../../lib/cluster/get-cluster-detail";

describe("publicHookOutcomes", () => {
  it("keeps node, ok, ms and error of each hook", () => {
    const stored = { demote: { node: "node-a", ok: true, ms: 3012 }, promote: { node: "node-b", ok: false, ms: 41, error: "exit code 3" } };
    expect(publicHookOutcomes(stored)).toEqual(stored);
  });

  it("drops anything else a row holds, and cuts a long error", () => {
    const out = publicHookOutcomes({
      demote: { node: "node-a", ok: false, ms: 5, error: "x".repeat(5000), stderr: "PGPASSWORD=hunter2" },
      other: { node: "node-c", ok: true, ms: 1 },
    });
    expect(Object.keys(out!)).toEqual(["demote"]);
    expect(Object.keys(out!.demote!)).toEqual(["node", "ok", "ms", "error"]);
    expect(out!.demote!.error).toHaveLength(200);
    expect(out!.demote!.error!.endsWith("…")).toBe(true);
  });

  it.each([null, undefined, "ok", 3, [], {}, { demote: "ok" }, { promote: { node: "b", ok: "yes", ms: 1 } }])("%o -> null", (stored) => {
    expect(publicHookOutcomes(stored)).toBeNull();
  });
});
