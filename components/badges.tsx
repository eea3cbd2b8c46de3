import type { CheckStatus } from "@/lib/cluster/check-state";
import type { NodeHealth } from "@/lib/cluster/timing";

const HEALTH_STYLE: Record<NodeHealth, string> = {
  healthy: "bg-emerald-100 text-emerald-900 ring-emerald-600",
  suspect: "bg-amber-100 text-amber-950 ring-amber-600",
  down: "bg-red-700 text-white ring-red-900",
};
const HEALTH_ICON: Record<NodeHealth, string> = { healthy: "●", suspect: "▲", down: "✖" };

/** Color plus an icon and the word, so health reads without color vision. */
export function HealthBadge({ health }: { health: NodeHealth }) {
  return (
    <span
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold uppercase tracking-wide ring-1 ${HEALTH_STYLE[health]}`}
      data-health={health}
    >
      <span aria-hidden="true">{HEALTH_ICON[health]}</span>
      {health}
    </span>
  );
}

/** `serving`: a node of an active-active (mode ALL) service, where ACTIVE means it serves. */
export function RoleBadge({ role, serving = false }: { role: "ACTIVE" | "STANDBY"; serving?: boolean }) {
  return role === "ACTIVE" ? (
    <span className="inline-flex items-center rounded bg-sky-700 px-2 py-0.5 text-xs font-bold uppercase tracking-wide text-white" data-role="ACTIVE">
      {serving ? "Serving" : "Active"}
    </span>
  ) : (
    <span
      className="inline-flex items-center rounded bg-slate-200 px-2 py-0.5 text-xs font-semibold uppercase tracking-wide text-slate-800"
      data-role="STANDBY"
    >
      Standby
    </span>
  );
}

const STATUS_STYLE: Record<string, string> = {
  PENDING: "bg-slate-200 text-slate-900",
  RUNNING: "bg-sky-100 text-sky-900",
  SUCCEEDED: "bg-emerald-100 text-emerald-900",
  FAILED: "bg-red-700 text-white",
  EXPIRED: "bg-red-700 text-white",
  CANCELLED: "bg-slate-300 text-slate-900",
};

export function CommandStatusBadge({ status }: { status: string }) {
  return (
    <span className={`inline-flex rounded px-2 py-0.5 text-xs font-semibold uppercase tracking-wide ${STATUS_STYLE[status] ?? "bg-slate-200"}`}>
      {status.toLowerCase()}
    </span>
  );
}

const CHECK_STYLE: Record<CheckStatus, string> = {
  PASSING: "bg-emerald-100 text-emerald-900 ring-emerald-600",
  FAILING: "bg-red-700 text-white ring-red-900",
  UNKNOWN: "bg-slate-100 text-slate-800 ring-slate-500",
};
const CHECK_ICON: Record<CheckStatus, string> = { PASSING: "✓", FAILING: "✗", UNKNOWN: "?" };

/** The node's health checks (PASSING / FAILING / UNKNOWN), and a second badge when it is isolated. */
export function CheckBadge({ status, isolated, title }: { status: CheckStatus; isolated: boolean; title?: string }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1" title={title}>
      <span
        className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-semibold uppercase tracking-wide ring-1 ${CHECK_STYLE[status]}`}
        data-check-status={status}
      >
        <span aria-hidden="true">{CHECK_ICON[status]}</span>
        {status.toLowerCase()}
      </span>
      {isolated && (
        <span className="inline-flex items-center gap-1 rounded-full bg-purple-800 px-2 py-0.5 text-xs font-semibold uppercase tracking-wide text-white ring-1 ring-purple-950">
          <span aria-hidden="true">⊘</span>isolated
        </span>
      )}
    </span>
  );
}
