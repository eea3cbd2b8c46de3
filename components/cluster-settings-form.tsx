"use client";
import { useState } from "react";
import type { ClusterDetailJson } from "@/lib/api/api-types";

type Settings = { failoverMode: "AUTOMATIC" | "MANUAL"; heartbeatMs: number; leaseMs: number };

/** ADMIN only: failover mode and timings; the server validates the pair of timings. */
export function ClusterSettingsForm({
  cluster,
  saving,
  error,
  onSave,
}: {
  cluster: ClusterDetailJson["cluster"];
  saving: boolean;
  error: string | null;
  onSave: (s: Settings) => void;
}) {
  const [draft, setDraft] = useState<Settings | null>(null);
  const value = draft ?? { failoverMode: cluster.failoverMode, heartbeatMs: cluster.heartbeatMs, leaseMs: cluster.leaseMs };
  const field = "mt-1 w-full rounded border border-slate-400 px-2 py-1.5";
  return (
    <form
      className="grid gap-3 sm:grid-cols-4 sm:items-end"
      onSubmit={(e) => {
        e.preventDefault();
        onSave(value);
        setDraft(null);
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
      <button
        type="submit"
        disabled={saving || draft === null}
        className="rounded bg-slate-800 px-4 py-2 font-semibold text-white focus-visible:outline-3 focus-visible:outline-sky-600 disabled:opacity-50"
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
