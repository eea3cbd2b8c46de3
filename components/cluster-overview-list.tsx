"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { apiFetch } from "@/lib/api/client-fetch";
import type { ClusterListJson, ClusterOverviewJson, ServiceOverviewJson } from "@/lib/api/api-types";
import { HealthBadge } from "./badges";
import { LiveIndicator } from "./live-indicator";
import { ErrorState, LoadingState } from "./query-state";
import { POLL_MS } from "./poll";

/** A service has what it needs: an active node (ONE), or at least its minimum serving (ALL). */
const serves = (s: ServiceOverviewJson) => (s.mode === "ALL" ? s.serving > 0 : s.active !== null || s.serving > 0);

/** A multi-service cluster's services: how many there are and serve, each in a line, those below their minimum flagged. */
function ServicesSummary({ services }: { services: ServiceOverviewJson[] }) {
  const serving = services.filter(serves).length;
  return (
    <>
      <dt className="text-slate-600">Services</dt>
      <dd data-testid="cluster-services">
        <span className={serving < services.length ? "font-semibold text-red-700" : ""}>
          {services.length} services · {serving} with an active or serving node
        </span>
        <ul className="mt-0.5 text-xs">
          {services.map((s) => (
            <li key={s.name} data-service={s.name} data-below-minimum={s.belowMinimum}>
              <span className="font-medium">{s.name}</span>:{" "}
              {s.mode === "ALL" ? (
                `${s.serving} serving (minimum ${s.minActive})`
              ) : s.active ? (
                `active on ${s.active}`
              ) : (
                <span className="font-semibold text-red-700">no active</span>
              )}
              {s.mode === "ALL" && s.belowMinimum && <BelowMinimum />}
            </li>
          ))}
        </ul>
      </dd>
    </>
  );
}

const BelowMinimum = () => <span className="ml-1 whitespace-nowrap rounded bg-red-700 px-1 text-xs font-semibold uppercase text-white">below minimum</span>;

const STATUS_TEXT: Record<ClusterOverviewJson["status"], { text: string; style: string }> = {
  ok: { text: "OK", style: "bg-emerald-100 text-emerald-900" },
  degraded: { text: "Degraded", style: "bg-amber-100 text-amber-950" },
  "no-active": { text: "No active node", style: "bg-red-700 text-white" },
};

const PAGE_SIZE = 50;
const SEARCH_DELAY_MS = 250;

/** The list as the server pages it: problems first (no active, then degraded), then by name. */
function listPath(q: string, offset: number) {
  const p = new URLSearchParams({ sort: "status", limit: String(PAGE_SIZE), offset: String(offset) });
  if (q.trim()) p.set("q", q.trim());
  return `/api/v1/clusters?${p}`;
}

export function ClusterOverviewList() {
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  const [offset, setOffset] = useState(0);
  useEffect(() => {
    if (text === q) return;
    const t = setTimeout(() => {
      setQ(text);
      setOffset(0);
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [text, q]);
  const query = useQuery({
    queryKey: ["clusters", "list", q, offset],
    queryFn: () => apiFetch<ClusterListJson>(listPath(q, offset)),
    refetchInterval: POLL_MS,
    placeholderData: keepPreviousData,
  });
  const heading = useRef<HTMLHeadingElement>(null);
  const turnPage = (to: number) => {
    setOffset(to);
    // The pager is below the list: show the new page from its top, and move focus there with it.
    heading.current?.focus();
    window.scrollTo({ top: 0 });
  };
  const counts = query.data?.counts;
  // Clusters removed while a later page shows: back to the last page there still is (state
  // adjusted while rendering, as React advises, rather than in an effect).
  const matching = counts?.matching;
  if (matching !== undefined && offset > 0 && offset >= matching) setOffset(Math.max(0, Math.ceil(matching / PAGE_SIZE) - 1) * PAGE_SIZE);
  const shown = query.data?.clusters.length ?? 0;
  return (
    <section aria-labelledby="clusters-heading">
      <div className="mb-4 flex flex-wrap items-baseline justify-between gap-2">
        <h1 id="clusters-heading" ref={heading} tabIndex={-1} className="text-2xl font-bold focus:outline-none">
          Clusters
        </h1>
        <LiveIndicator updatedAt={query.dataUpdatedAt} isError={query.isError} />
      </div>
      {query.isPending && <LoadingState label="clusters" />}
      {query.isError && !query.data && <ErrorState error={query.error} what="the clusters" />}
      {counts?.total === 0 && (
        <div className="rounded border border-dashed border-slate-400 bg-white p-6">
          <p className="font-semibold">No clusters yet.</p>
          <p className="mt-1 text-slate-700">
            A cluster appears when its first agent starts: <code className="rounded bg-slate-100 px-1">cluster-agent --cluster NAME --node NAME --db URL</code>
          </p>
        </div>
      )}
      {counts && counts.total > 0 && (
        <div className="mb-4 flex flex-wrap items-center gap-3">
          <p className="font-medium" data-testid="cluster-summary">
            {counts.total} cluster{counts.total === 1 ? "" : "s"}:{" "}
            <span className={counts.byStatus["no-active"] > 0 ? "font-bold text-red-700" : ""}>{counts.byStatus["no-active"]} without an active node</span>,{" "}
            {counts.byStatus.degraded} degraded
          </p>
          {(counts.total > 6 || q) && (
            <label className="ml-auto text-sm font-medium">
              Filter{" "}
              <input
                type="search"
                value={text}
                maxLength={64}
                onChange={(e) => setText(e.target.value)}
                onKeyDown={(e) => {
                  if (e.key === "Enter") {
                    setQ(text);
                    setOffset(0);
                  }
                }}
                placeholder="cluster name"
                aria-label="Filter clusters by name"
                className="ml-1 rounded border border-slate-400 px-2 py-1"
              />
            </label>
          )}
        </div>
      )}
      {counts && counts.total > 0 && counts.matching === 0 && (
        <p className="mb-4" role="status">
          No cluster name contains &ldquo;{q.trim()}&rdquo;.
        </p>
      )}
      <ul className="grid gap-4 md:grid-cols-2">
        {query.data?.clusters.map((c) => {
          const status = STATUS_TEXT[c.status];
          const services = c.services.length > 1 ? c.services : null;
          const below = c.services.filter((s) => s.mode === "ALL" && s.belowMinimum);
          return (
            <li key={c.id}>
              <Link
                href={`/clusters/${encodeURIComponent(c.name)}`}
                className="block rounded-lg border border-slate-300 bg-white p-4 shadow-sm hover:border-sky-600 focus-visible:outline-3 focus-visible:outline-sky-600"
                aria-label={`Cluster ${c.name}: ${status.text}, ${
                  services ? `${services.length} services, ${services.filter(serves).length} serving` : `active node ${c.active?.name ?? "none"}`
                }${below.length ? `, ${below.map((s) => s.name).join(", ")} below minimum` : ""}`}
              >
                <div className="flex items-center justify-between gap-2">
                  <h2 className="text-xl font-semibold">{c.name}</h2>
                  <span className={`rounded px-2 py-0.5 text-sm font-semibold ${status.style}`}>{status.text}</span>
                </div>
                <dl className={`mt-3 grid gap-x-4 gap-y-1 text-sm ${services ? "grid-cols-[auto_1fr]" : "grid-cols-2"}`}>
                  {services ? (
                    <ServicesSummary services={services} />
                  ) : c.services.length === 1 && c.services[0].mode === "ALL" ? (
                    <>
                      <dt className="text-slate-600">Serving</dt>
                      <dd className={c.services[0].belowMinimum ? "font-semibold text-red-700" : ""} data-testid="cluster-serving">
                        {c.services[0].serving} of {c.nodeCount} (minimum {c.services[0].minActive}){c.services[0].belowMinimum && <BelowMinimum />}
                      </dd>
                    </>
                  ) : (
                    <>
                      <dt className="text-slate-600">Active node</dt>
                      <dd className="flex items-center gap-2 font-medium">
                        {c.active ? (
                          <>
                            {c.active.name} <HealthBadge health={c.active.health} />
                          </>
                        ) : (
                          <span className="font-semibold text-red-700">none</span>
                        )}
                      </dd>
                      <dt className="text-slate-600">Standbys</dt>
                      <dd>
                        {c.standbyCount} ({c.eligibleStandbyCount} eligible)
                      </dd>
                    </>
                  )}
                  <dt className="text-slate-600">Health</dt>
                  <dd>
                    {c.health.healthy} healthy · {c.health.suspect} suspect ·{" "}
                    <span className={c.health.down ? "font-semibold text-red-700" : ""}>{c.health.down} down</span>
                  </dd>
                  <dt className="text-slate-600">Checks</dt>
                  <dd data-testid="cluster-checks">
                    {c.checks.failing + c.checks.isolated === 0 ? (
                      "no failing checks"
                    ) : (
                      <span className="font-semibold text-red-700">
                        {c.checks.failing} failing{c.checks.isolated > 0 && ` · ${c.checks.isolated} isolated`}
                      </span>
                    )}
                  </dd>
                  <dt className="text-slate-600">Failover</dt>
                  <dd>
                    {c.failoverMode.toLowerCase()}
                    {c.paused && <span className="ml-1 rounded bg-amber-200 px-1 font-semibold text-amber-950">paused</span>}
                  </dd>
                  {/* Each service has its own epoch: the services' pages show them. */}
                  {!services && (
                    <>
                      <dt className="text-slate-600">Epoch</dt>
                      <dd className="font-mono">{c.epoch}</dd>
                    </>
                  )}
                  {c.openCommand && (
                    <>
                      <dt className="text-slate-600">In progress</dt>
                      <dd>
                        {services && `${c.openCommand.service}: `}
                        {c.openCommand.kind.toLowerCase()} → {c.openCommand.targetNode} ({c.openCommand.status.toLowerCase()})
                      </dd>
                    </>
                  )}
                </dl>
              </Link>
            </li>
          );
        })}
      </ul>
      {counts && counts.matching > PAGE_SIZE && (
        <nav aria-label="Pages of clusters" className="mt-4 flex flex-wrap items-center gap-3">
          <p role="status" data-testid="cluster-page">
            {shown ? `${offset + 1}–${offset + shown}` : "none"} of {counts.matching}
            {q.trim() ? " matching" : ""}
          </p>
          <button type="button" className={PAGER_BUTTON} disabled={offset === 0} onClick={() => turnPage(Math.max(0, offset - PAGE_SIZE))}>
            Previous
          </button>
          <button type="button" className={PAGER_BUTTON} disabled={offset + PAGE_SIZE >= counts.matching} onClick={() => turnPage(offset + PAGE_SIZE)}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}

const PAGER_BUTTON =
  "rounded border border-slate-400 bg-white px-3 py-1 font-medium hover:border-sky-600 disabled:opacity-50 focus-visible:outline-3 focus-visible:outline-sky-600";
