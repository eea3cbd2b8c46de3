"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { RebalanceJson } from "@/lib/api/api-types";
import { ApiClientError, apiFetch } from "@/lib/api/client-fetch";
import { CommandStatusBadge } from "./badges";
import { POLL_MS } from "./poll";
import { ActionError } from "./query-state";

const OPEN = new Set(["RUNNING"]);
const errorText = (err: unknown) => (err instanceof Error ? err.message : "request failed");

/** The cluster's latest rebalance, or null when it never had one (404). */
async function latestRebalance(url: string): Promise<RebalanceJson | null> {
  try {
    return await apiFetch<RebalanceJson>(url);
  } catch (e) {
    if (e instanceof ApiClientError && e.status === 404) return null;
    throw e;
  }
}

/**
 * Rebalance (OPERATOR, ADMIN): move services back to an even spread over the servers, one move at a
 * time; the running (or last) rebalance's status and its moves, live.
 */
export function RebalancePanel({ cluster, canOperate }: { cluster: string; canOperate: boolean }) {
  const url = `/api/v1/clusters/${encodeURIComponent(cluster)}/rebalance`;
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const query = useQuery({ queryKey: ["rebalance", cluster], queryFn: () => latestRebalance(url), refetchInterval: POLL_MS });
  const start = useMutation({
    mutationFn: () => apiFetch<RebalanceJson>(url, { method: "POST", json: reason ? { reason } : {} }),
    onSuccess: (r) => {
      setConfirming(false);
      setReason("");
      queryClient.setQueryData(["rebalance", cluster], r);
    },
  });
  const rebalance = query.data ?? null;
  const running = rebalance !== null && OPEN.has(rebalance.status);
  return (
    <section aria-labelledby="rebalance-heading" className="rounded-lg border border-slate-300 bg-white p-4" data-testid="rebalance">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id="rebalance-heading" className="text-lg font-semibold">
          Rebalance
        </h2>
        {rebalance && <CommandStatusBadge status={rebalance.status} />}
        {canOperate && !confirming && (
          <button
            type="button"
            disabled={running}
            onClick={() => {
              start.reset();
              setConfirming(true);
            }}
            className="ml-auto rounded bg-sky-700 px-4 py-1.5 font-semibold text-white hover:bg-sky-800 focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:opacity-50"
          >
            {running ? "Rebalancing…" : "Rebalance"}
          </button>
        )}
      </div>
      <p className="mt-1 text-sm text-slate-700">Moves services back to an even spread over the servers, one switchover at a time.</p>
      {confirming && (
        <form
          aria-label="Confirm rebalance"
          className="mt-3 space-y-2 rounded bg-amber-50 p-3 ring-1 ring-amber-400"
          onSubmit={(e) => {
            e.preventDefault();
            start.mutate();
          }}
        >
          <p className="font-semibold">Rebalance {cluster}? Each service that moves switches over to another server.</p>
          <label className="block text-sm font-medium">
            Reason (optional, goes into the audit log)
            <input
              value={reason}
              maxLength={500}
              onChange={(e) => setReason(e.target.value)}
              className="mt-1 w-full rounded border border-slate-400 px-2 py-1.5"
            />
          </label>
          {start.error && <ActionError message={errorText(start.error)} />}
          <div className="flex gap-2">
            <button type="button" onClick={() => setConfirming(false)} className="rounded border border-slate-500 bg-white px-3 py-1.5 font-medium">
              Cancel
            </button>
            <button type="submit" disabled={start.isPending} className="rounded bg-sky-700 px-3 py-1.5 font-semibold text-white disabled:opacity-60">
              {start.isPending ? "Sending…" : "Rebalance now"}
            </button>
          </div>
        </form>
      )}
      {rebalance && (
        <div className="mt-3 text-sm">
          {rebalance.moves.length === 0 ? (
            <p>{running ? "Working out the moves…" : "No move was needed: the services are spread evenly."}</p>
          ) : (
            <ol className="space-y-1" aria-label="Moves" data-testid="rebalance-moves">
              {rebalance.moves.map((m) => (
                <li key={m.commandId} data-service={m.service} data-status={m.status} className="flex flex-wrap items-center gap-2">
                  <span>
                    <span className="font-semibold">{m.service}</span>: {m.from} → {m.to}
                  </span>
                  <CommandStatusBadge status={m.status} />
                </li>
              ))}
            </ol>
          )}
          {rebalance.error && <p className="mt-2 font-semibold text-red-900">Failed: {rebalance.error}</p>}
        </div>
      )}
    </section>
  );
}
