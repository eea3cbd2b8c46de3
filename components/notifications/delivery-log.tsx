"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiFetch } from "@/lib/api/client-fetch";
import { formatTime } from "../format";
import { ErrorState, LoadingState } from "../query-state";
import { button, type DeliveryJson } from "./types";

const STATUS_STYLE: Record<DeliveryJson["status"], string> = {
  PENDING: "bg-amber-100 text-amber-900",
  DELIVERED: "bg-green-100 text-green-900",
  FAILED: "bg-red-100 text-red-900",
};

/** One channel's deliveries, newest first, refreshed every 2 s; Redeliver sends one again. */
export function DeliveryLog({ channelId, channelName, onError }: { channelId: string; channelName: string; onError: (message: string) => void }) {
  const queryClient = useQueryClient();
  const key = ["notifications", channelId, "deliveries"];
  const log = useQuery({
    queryKey: key,
    queryFn: () => apiFetch<{ deliveries: DeliveryJson[] }>(`/api/v1/notifications/${channelId}/deliveries`),
    refetchInterval: 2000,
  });
  const redeliver = useMutation({
    mutationFn: (id: string) => apiFetch(`/api/v1/notifications/${channelId}/deliveries/${id}/redeliver`, { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
    onError: (e) => onError(e instanceof Error ? e.message : "request failed"),
  });
  if (log.isPending) return <LoadingState label="deliveries" />;
  if (log.isError) return <ErrorState error={log.error} what="deliveries" />;
  if (log.data.deliveries.length === 0) return <p className="text-sm text-slate-600">Nothing sent yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table aria-label={`Deliveries of ${channelName}`} className="w-full min-w-[48rem] text-left text-sm">
        <thead className="bg-slate-100 text-slate-700">
          <tr>
            {["Queued", "Event", "Cluster / node", "Status", "Attempts", "HTTP", "Last error", ""].map((h) => (
              <th key={h} scope="col" className="px-2 py-1.5">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {log.data.deliveries.map((d) => (
            <tr key={d.id} data-delivery={d.id} className="border-t border-slate-200 align-top">
              <td className="px-2 py-1.5 whitespace-nowrap">{formatTime(d.createdAt)}</td>
              <td className="px-2 py-1.5 font-mono text-xs">{d.event}</td>
              <td className="px-2 py-1.5">{[d.cluster, d.node].filter(Boolean).join(" / ") || "-"}</td>
              <td className="px-2 py-1.5">
                <span className={`rounded px-1.5 py-0.5 text-xs font-semibold ${STATUS_STYLE[d.status]}`}>{d.status.toLowerCase()}</span>
                {d.status === "PENDING" && d.nextAttemptAt && d.attempts > 0 && (
                  <span className="block text-xs text-slate-600">retry {formatTime(d.nextAttemptAt)}</span>
                )}
              </td>
              <td className="px-2 py-1.5">{d.attempts}</td>
              <td className="px-2 py-1.5">{d.httpStatus ?? "-"}</td>
              <td className="max-w-xs px-2 py-1.5 break-words text-slate-700">{d.lastError ?? ""}</td>
              <td className="px-2 py-1.5">
                {d.status !== "PENDING" && (
                  <button
                    type="button"
                    disabled={redeliver.isPending}
                    onClick={() => redeliver.mutate(d.id)}
                    className={`${button} border border-slate-600 bg-white`}
                    aria-label={`Redeliver ${d.event} ${d.id}`}
                  >
                    Redeliver
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
