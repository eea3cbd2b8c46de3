"use client";
import { useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import type { ActiveTimelineJson, AuditPageJson, ClusterOverviewJson } from "@/lib/api/api-types";
import { apiFetch } from "@/lib/api/client-fetch";
import type { AuditQueryInput, TimelineQueryInput } from "@/lib/api/schemas";
import { ActiveTimelineChart } from "./active-timeline-chart";
import { actorLabel, formatTime } from "./format";
import { LiveIndicator } from "./live-indicator";
import { ErrorState, LoadingState } from "./query-state";

const FILTERS = ["cluster", "service", "node", "actor", "action", "from", "to"] as const satisfies readonly (keyof AuditQueryInput)[];
type Filters = Record<(typeof FILTERS)[number], string>;
const PAGE_SIZE = 50;
const WINDOWS = [
  { label: "15 min", ms: 15 * 60_000 },
  { label: "1 hour", ms: 3_600_000 },
  { label: "24 hours", ms: 86_400_000 },
  { label: "7 days", ms: 7 * 86_400_000 },
];

// <input type="datetime-local"> speaks local time without a zone; the API wants ISO with offset.
const localToIso = (v: string) => (v ? new Date(v).toISOString() : "");
const isoToLocal = (v: string) => {
  if (!v) return "";
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? "" : new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
};

/** The query string of one of the API's query schemas (Q): only its keys, values as typed, blank ones left out. */
function queryString<Q>(params: { [K in keyof Q]?: string }) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (typeof v === "string" && v) p.set(k, v);
  return p.toString();
}

/** A cluster's timeline, or one service's of a cluster that has several (service). */
function Timeline({ cluster, service }: { cluster: string; service?: string }) {
  const [windowMs, setWindowMs] = useState(WINDOWS[0].ms);
  const query = useQuery({
    queryKey: ["timeline", cluster, service ?? null, windowMs],
    queryFn: () => {
      const to = new Date();
      const from = new Date(to.getTime() - windowMs);
      return apiFetch<ActiveTimelineJson>(
        `/api/v1/clusters/${encodeURIComponent(cluster)}/timeline?${queryString<TimelineQueryInput>({ service, from: from.toISOString() })}`,
      );
    },
    refetchInterval: 2000,
  });
  return (
    <section aria-label={`Timeline of ${cluster}${service ? ` · ${service}` : ""}`} className="space-y-2">
      <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Timeline window">
        <span className="text-sm font-medium">Window:</span>
        {WINDOWS.map((w) => (
          <button
            key={w.ms}
            type="button"
            aria-pressed={w.ms === windowMs}
            onClick={() => setWindowMs(w.ms)}
            className={`rounded px-2 py-1 text-sm focus-visible:outline-3 focus-visible:outline-sky-600 ${w.ms === windowMs ? "bg-slate-800 text-white" : "border border-slate-400 bg-white"}`}
          >
            {w.label}
          </button>
        ))}
      </div>
      {query.isPending && <LoadingState label="timeline" />}
      {query.isError && !query.data && <ErrorState error={query.error} what="the timeline" />}
      {query.data && <ActiveTimelineChart timeline={query.data} service={service} />}
    </section>
  );
}

/** `actions` comes from the server page: lib/cluster/audit.ts is server code (it reaches the database). */
export function AuditView({ actions }: { actions: readonly string[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const applied = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ""])) as Filters;
  const [draft, setDraft] = useState<Filters>(applied);
  const [cursors, setCursors] = useState<string[]>([]); // stack of `before` values; empty = newest page
  const before = cursors[cursors.length - 1];

  const clusters = useQuery({ queryKey: ["clusters"], queryFn: () => apiFetch<{ clusters: ClusterOverviewJson[] }>("/api/v1/clusters") });
  const qs = queryString<AuditQueryInput>({ ...applied, before, limit: String(PAGE_SIZE) });
  const page = useQuery({
    queryKey: ["audit", qs],
    queryFn: () => apiFetch<AuditPageJson>(`/api/v1/audit?${qs}`),
    // The newest page follows new events; older pages stand still while read.
    refetchInterval: before ? false : 2000,
  });

  const apply = (next: Filters) => {
    setCursors([]);
    router.replace(`${pathname}?${queryString<AuditQueryInput>(next)}`);
  };
  const field = "mt-1 w-full rounded border border-slate-400 bg-white px-2 py-1.5";
  const clusterNames = new Set(clusters.data?.clusters.map((c) => c.name) ?? []);
  if (applied.cluster) clusterNames.add(applied.cluster);
  const servicesOf = (cluster: string) => clusters.data?.clusters.find((c) => c.name === cluster)?.services.map((s) => s.name) ?? [];
  // The services the filter offers: the chosen cluster's, or every cluster's.
  const serviceNames = new Set(draft.cluster ? servicesOf(draft.cluster) : (clusters.data?.clusters.flatMap((c) => c.services.map((s) => s.name)) ?? []));
  if (applied.service) serviceNames.add(applied.service);
  // Services are shown once some cluster has several (or a link filters by one): a console of one-service clusters reads as before.
  const showServices = Boolean(applied.service) || (clusters.data?.clusters.some((c) => c.services.length > 1) ?? false);
  // One timeline per service of a cluster that has several (or the one filtered on); at most 6 in all.
  const timelines = (applied.cluster ? [applied.cluster] : [...clusterNames].slice(0, 5))
    .flatMap((cluster): { cluster: string; service?: string }[] => {
      const services = servicesOf(cluster);
      if (applied.service) return services.includes(applied.service) || services.length === 0 ? [{ cluster, service: applied.service }] : [];
      return services.length > 1 ? services.map((service) => ({ cluster, service })) : [{ cluster }];
    })
    .slice(0, 6);

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-bold">Audit log</h1>
        <LiveIndicator updatedAt={page.dataUpdatedAt} isError={page.isError} />
      </div>
      <form
        aria-label="Audit filters"
        className={`grid gap-3 rounded-lg border border-slate-300 bg-white p-4 ${showServices ? "sm:grid-cols-4 lg:grid-cols-7" : "sm:grid-cols-3 lg:grid-cols-6"}`}
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <label className="text-sm font-medium">
          Cluster
          <select className={field} value={draft.cluster} onChange={(e) => setDraft({ ...draft, cluster: e.target.value })}>
            <option value="">any</option>
            {[...clusterNames].sort().map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        {showServices && (
          <label className="text-sm font-medium">
            Service
            <select className={field} value={draft.service} onChange={(e) => setDraft({ ...draft, service: e.target.value })}>
              <option value="">any</option>
              {[...serviceNames].sort().map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="text-sm font-medium">
          Node
          <input className={field} value={draft.node} maxLength={64} onChange={(e) => setDraft({ ...draft, node: e.target.value })} placeholder="any" />
        </label>
        <label className="text-sm font-medium">
          Actor
          <input
            className={field}
            value={draft.actor}
            maxLength={255}
            onChange={(e) => setDraft({ ...draft, actor: e.target.value })}
            placeholder="email or agent"
          />
        </label>
        <label className="text-sm font-medium">
          Action
          <select className={field} value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })}>
            <option value="">any</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm font-medium">
          From
          <input
            type="datetime-local"
            step={1}
            className={field}
            value={isoToLocal(draft.from)}
            onChange={(e) => setDraft({ ...draft, from: localToIso(e.target.value) })}
          />
        </label>
        <label className="text-sm font-medium">
          To
          <input
            type="datetime-local"
            step={1}
            className={field}
            value={isoToLocal(draft.to)}
            onChange={(e) => setDraft({ ...draft, to: localToIso(e.target.value) })}
          />
        </label>
        <div className={`flex flex-wrap gap-2 ${showServices ? "sm:col-span-4 lg:col-span-7" : "sm:col-span-3 lg:col-span-6"}`}>
          <button
            type="submit"
            className="rounded bg-sky-700 px-4 py-2 font-semibold text-white focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
          >
            Apply filters
          </button>
          <button
            type="button"
            onClick={() => {
              const empty = Object.fromEntries(FILTERS.map((k) => [k, ""])) as Filters;
              setDraft(empty);
              apply(empty);
            }}
            className="rounded border border-slate-500 px-4 py-2 focus-visible:outline-3 focus-visible:outline-sky-600"
          >
            Clear
          </button>
          <a
            href={`/api/v1/audit.csv?${qs}`}
            download
            className="ml-auto rounded border border-slate-500 bg-white px-4 py-2 font-medium focus-visible:outline-3 focus-visible:outline-sky-600"
          >
            Export CSV (rows shown)
          </a>
          <a
            href={`/api/v1/audit.csv?${queryString<AuditQueryInput>(applied)}`}
            download
            className="rounded border border-slate-500 bg-white px-4 py-2 font-medium focus-visible:outline-3 focus-visible:outline-sky-600"
          >
            Export CSV (all matching, up to 10 000)
          </a>
        </div>
      </form>

      <section aria-labelledby="events-heading">
        <h2 id="events-heading" className="sr-only">
          Events
        </h2>
        {page.isPending && <LoadingState label="audit events" />}
        {page.isError && !page.data && <ErrorState error={page.error} what="the audit log" />}
        {page.data && page.data.events.length === 0 && (
          <p className="rounded border border-dashed border-slate-400 bg-white p-6">No audit events match these filters.</p>
        )}
        {page.data && page.data.events.length > 0 && (
          <div className="overflow-x-auto rounded-lg border border-slate-300 bg-white">
            <table className="w-full min-w-[56rem] text-left text-sm" data-testid="audit-table">
              <thead className="bg-slate-100 text-slate-700">
                <tr>
                  <th scope="col" className="px-3 py-2">
                    Time
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Actor
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Action
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Cluster
                  </th>
                  {showServices && (
                    <th scope="col" className="px-3 py-2">
                      Service
                    </th>
                  )}
                  <th scope="col" className="px-3 py-2">
                    Node
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Role change
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Epoch
                  </th>
                  <th scope="col" className="px-3 py-2">
                    Reason / details
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.data.events.map((e) => (
                  <tr key={e.id} data-audit-id={e.id} className="border-t border-slate-200 align-top">
                    <td className="px-3 py-1.5 whitespace-nowrap" title={e.at}>
                      {formatTime(e.at)}
                    </td>
                    <td className="px-3 py-1.5">{actorLabel(e.actor)}</td>
                    <td className="px-3 py-1.5 font-mono">{e.action}</td>
                    <td className="px-3 py-1.5 whitespace-nowrap">{e.clusterName ?? ""}</td>
                    {showServices && (
                      <td className="px-3 py-1.5 whitespace-nowrap" data-column="service">
                        {e.service ?? ""}
                      </td>
                    )}
                    <td className="px-3 py-1.5 whitespace-nowrap">{e.nodeName ?? ""}</td>
                    <td className="px-3 py-1.5 whitespace-nowrap">
                      {e.fromRole || e.toRole ? `${(e.fromRole ?? "–").toLowerCase()} → ${(e.toRole ?? "–").toLowerCase()}` : ""}
                    </td>
                    <td className="px-3 py-1.5 font-mono">{e.epoch ?? ""}</td>
                    <td className="px-3 py-1.5 break-words">
                      {e.reason}
                      {e.details ? <span className="block font-mono text-xs break-all text-slate-600">{JSON.stringify(e.details)}</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div className="mt-3 flex gap-2">
          <button
            type="button"
            disabled={cursors.length === 0}
            onClick={() => setCursors(cursors.slice(0, -1))}
            className="rounded border border-slate-500 bg-white px-4 py-2 focus-visible:outline-3 focus-visible:outline-sky-600 disabled:opacity-40"
          >
            Newer
          </button>
          <button
            type="button"
            disabled={!page.data?.nextBefore}
            onClick={() => page.data?.nextBefore && setCursors([...cursors, page.data.nextBefore])}
            className="rounded border border-slate-500 bg-white px-4 py-2 focus-visible:outline-3 focus-visible:outline-sky-600 disabled:opacity-40"
          >
            Older
          </button>
          <span className="self-center text-sm text-slate-600">Page {cursors.length + 1}</span>
        </div>
      </section>

      <section aria-labelledby="timeline-heading" className="space-y-3">
        <h2 id="timeline-heading" className="text-lg font-semibold">
          Which node was active when
        </h2>
        {timelines.length === 0 && <p className="text-slate-600">No clusters yet.</p>}
        {timelines.map((t) => (
          <Timeline key={`${t.cluster}/${t.service ?? ""}`} cluster={t.cluster} service={t.service} />
        ))}
      </section>
    </div>
  );
}
