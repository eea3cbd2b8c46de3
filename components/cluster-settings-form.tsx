"use client";
import { useId, useState } from "react";
import type { ClusterDetailJson } from "@/lib/api/api-types";
import { FLAP_DAMPING_BOUNDS as FLAP } from "@/lib/cluster/flap-damping-bounds";
import { maxDemoteTimeoutMs } from "@/lib/cluster/timing";
import type { ClusterSettings } from "@/lib/cluster/update-cluster-settings";

type Settings = Required<ClusterSettings>;

/**
 * ADMIN only: failover mode and timings. The hint says how long a demote budget the heartbeat and
 * lease leave room for; the server checks the three timings together and refuses with the numbers.
 */
export function ClusterSettingsForm({
  cluster,
  saving,
  error,
  onSave,
}: {
  cluster: ClusterDetailJson["cluster"];
  saving: boolean;
  error: string | null;
  /** Resolves when saved; a refused change rejects and keeps what was typed, next to the error. */
  onSave: (s: Settings) => Promise<unknown>;
}) {
  const [draft, setDraft] = useState<Settings | null>(null);
  const value = draft ?? {
    failoverMode: cluster.failoverMode,
    heartbeatMs: cluster.heartbeatMs,
    leaseMs: cluster.leaseMs,
    demoteTimeoutMs: cluster.demoteTimeoutMs,
    checkHoldOffMs: cluster.checkHoldOffMs,
    failoverLimit: cluster.failoverLimit,
    failoverWindowMs: cluster.failoverWindowMs,
  };
  const maxDemote = maxDemoteTimeoutMs(value);
  const overBudget = value.demoteTimeoutMs > maxDemote;
  const hintId = useId();
  const limitHintId = useId();
  const field = "mt-1 w-full rounded border border-slate-400 px-2 py-1.5";
  return (
    <form
      className="grid gap-3 sm:grid-cols-4 sm:items-start"
      onSubmit={(e) => {
        e.preventDefault();
        onSave(value).then(
          () => setDraft(null),
          () => undefined,
        );
      }}
    >
      <label className="text-sm font-medium">
        Failover mode
        <select className={field} value={value.failoverMode} onChange={(e) => setDraft({ ...value, failoverMode: e.target.value as Settings["failoverMode"] })}>
          <option value="AUTOMATIC">automatic</option>
          <option value="MANUAL">manual</option>
        </select>
      </label>
      <label className="text-sm font-medium">
        Heartbeat (ms)
        <input
          type="number"
          min={50}
          max={60000}
          className={field}
          value={value.heartbeatMs}
          onChange={(e) => setDraft({ ...value, heartbeatMs: Number(e.target.value) })}
        />
      </label>
      <label className="text-sm font-medium">
        Lease (ms)
        <input
          type="number"
          min={100}
          max={600000}
          className={field}
          value={value.leaseMs}
          onChange={(e) => setDraft({ ...value, leaseMs: Number(e.target.value) })}
        />
      </label>
      <label className="text-sm font-medium">
        Demote budget (ms)
        <input
          type="number"
          min={0}
          max={600000}
          className={field}
          aria-describedby={hintId}
          aria-invalid={overBudget || undefined}
          value={value.demoteTimeoutMs}
          onChange={(e) => setDraft({ ...value, demoteTimeoutMs: Number(e.target.value) })}
        />
        <span id={hintId} className={`mt-1 block text-xs font-normal ${overBudget ? "font-semibold text-red-800" : "text-slate-600"}`}>
          max {maxDemote} ms for these timings; a demote hook running longer is killed
        </span>
      </label>
      <label className="text-sm font-medium">
        Check hold-off (ms)
        <input
          type="number"
          min={FLAP.checkHoldOffMs.min}
          max={FLAP.checkHoldOffMs.max}
          className={field}
          value={value.checkHoldOffMs}
          onChange={(e) => setDraft({ ...value, checkHoldOffMs: Number(e.target.value) })}
        />
        <span className="mt-1 block text-xs font-normal text-slate-600">a node that stepped down for failing checks is not re-elected for this long</span>
      </label>
      <label className="text-sm font-medium">
        Failover limit
        <input
          type="number"
          min={FLAP.failoverLimit.min}
          max={FLAP.failoverLimit.max}
          className={field}
          aria-describedby={limitHintId}
          value={value.failoverLimit}
          onChange={(e) => setDraft({ ...value, failoverLimit: Number(e.target.value) })}
        />
        <span id={limitHintId} className="mt-1 block text-xs font-normal text-slate-600">
          automatic failovers per window before the cluster pauses itself; 0: no limit
        </span>
      </label>
      <label className="text-sm font-medium">
        Failover window (ms)
        <input
          type="number"
          min={FLAP.failoverWindowMs.min}
          max={FLAP.failoverWindowMs.max}
          className={field}
          value={value.failoverWindowMs}
          onChange={(e) => setDraft({ ...value, failoverWindowMs: Number(e.target.value) })}
        />
      </label>
      <button
        type="submit"
        disabled={saving || draft === null}
        className="rounded bg-slate-800 px-4 py-2 sm:mt-6 font-semibold text-white focus-visible:outline-3 focus-visible:outline-sky-600 disabled:opacity-50"
      >
        {saving ? "Saving…" : "Save settings"}
      </button>
      {error && (
        <p role="alert" className="text-sm font-medium text-red-800 sm:col-span-4">
          {error}
        </p>
      )}
    </form>
  );
}
