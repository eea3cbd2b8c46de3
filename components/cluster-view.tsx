"use client";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import type { ClusterDetailJson, CommandJson, NodeJson } from "@/lib/api/api-types";
import { ApiClientError, apiFetch } from "@/lib/api/client-fetch";
import type { RemoveNodeBody, RequestCommandBody, UpdateClusterBody, UpdateNodeBody } from "@/lib/api/schemas";
import { ClusterSettingsForm } from "./cluster-settings-form";
import { CommandPanel, RecentCommands } from "./command-panel";
import { ConfirmCommandDialog } from "./confirm-command-dialog";
import { keptWithoutStandby, type PlannedCommand } from "./describe-command";
import { formatDuration } from "./format";
import { LiveIndicator } from "./live-indicator";
import { NodeTable, type NodeOrder, type NodeSort } from "./node-table";
import { NodeFilters, type NodeFilter } from "./node-filters";
import { POLL_MS } from "./poll";
import { canOperate, useSessionUser } from "./providers";
import { ErrorState, LoadingState } from "./query-state";
import { servingText } from "./service-matrix";

/** "1 min", "10 min", "1 h 30 min": a setting, not a ticking age. */
const roundDuration = (ms: number) => formatDuration(ms).replace(/ 0 (s|min)$/, "");

const errorText = (err: unknown) => (err instanceof Error ? err.message : "request failed");

/** The API's refusal to read a cluster without naming a service, once it has several. */
const needsService = (err: unknown) => err instanceof ApiClientError && err.code === "INVALID" && /several services/.test(err.message);

/** The table asks the server for this many nodes around what it shows, in steps of this many. */
const WINDOW_STEP = 50;
const WINDOW_MARGIN = 25;

/** The node list's query string: search, filter, sort and the window of rows around the screen. */
function nodeListParams(f: NodeFilter, sort: NodeSort, order: NodeOrder, win: { offset: number; limit: number }): string {
  const p = new URLSearchParams();
  if (f.q.trim()) p.set("q", f.q.trim());
  if (f.role) p.set("role", f.role);
  if (f.health) p.set("health", f.health);
  p.set("sort", sort);
  p.set("order", order);
  p.set("offset", String(win.offset));
  p.set("limit", String(win.limit));
  return p.toString();
}

/** A header click: the same column flips the order; another starts where it is most useful (problems, highest priority first). */
const FIRST_ORDER: Record<NodeSort, NodeOrder> = { name: "asc", role: "asc", health: "desc", heartbeat: "desc", priority: "desc" };

type Props = {
  name: string;
  /** One service of a cluster that has several (`?service=` on every request); left out for a one-service cluster. */
  service?: string;
  /** The service picker of a multi-service cluster, under the header. */
  nav?: React.ReactNode;
};

/** The nodes of the answer the page reasons about: the key nodes (active, next pick) and the rows shown, once each. */
function knownNodes(detail: ClusterDetailJson): NodeJson[] {
  const seen = new Set(detail.keyNodes.map((n) => n.id));
  return [...detail.keyNodes, ...detail.nodes.filter((n) => !seen.has(n.id))];
}

/** "1,000 nodes · 998 healthy · 2 down · 1 failing checks": counted over the whole cluster by the server. */
function NodeCountsLine({ counts }: { counts: ClusterDetailJson["nodeCounts"] }) {
  const parts = [
    `${counts.total.toLocaleString("en")} node${counts.total === 1 ? "" : "s"}`,
    `${counts.healthy.toLocaleString("en")} healthy`,
    counts.suspect > 0 && `${counts.suspect.toLocaleString("en")} suspect`,
    counts.down > 0 && `${counts.down.toLocaleString("en")} down`,
    counts.failing > 0 && `${counts.failing.toLocaleString("en")} failing checks`,
    counts.isolated > 0 && `${counts.isolated.toLocaleString("en")} isolated`,
    counts.maintenance > 0 && `${counts.maintenance.toLocaleString("en")} in maintenance`,
  ].filter(Boolean);
  return (
    <p className="text-sm text-slate-700" data-testid="node-counts">
      {parts.join(" · ")}
    </p>
  );
}

export function ClusterView({ name, service, nav }: Props) {
  const user = useSessionUser();
  const operator = canOperate(user);
  const queryClient = useQueryClient();
  const router = useRouter();
  const base = `/api/v1/clusters/${encodeURIComponent(name)}`;
  const qs = service ? `?service=${encodeURIComponent(service)}` : "";
  // The node list is searched, filtered, sorted and paged by the server; the table asks for the
  // rows around what is on screen, so a poll ships ~50 nodes however large the cluster.
  const [filter, setFilter] = useState<NodeFilter>({ q: "", role: "", health: "" });
  const [sort, setSort] = useState<{ sort: NodeSort; order: NodeOrder }>({ sort: "name", order: "asc" });
  const [win, setWin] = useState({ offset: 0, limit: WINDOW_STEP });
  const listQs = nodeListParams(filter, sort.sort, sort.order, win);
  const query = useQuery({
    queryKey: ["cluster", name, service ?? null, listQs],
    // With its arrival time: a placeholder (the previous query's answer) keeps its own.
    queryFn: async () => ({
      detail: await apiFetch<ClusterDetailJson>(`${base}?${service ? `service=${encodeURIComponent(service)}&` : ""}${listQs}`),
      at: Date.now(),
    }),
    refetchInterval: POLL_MS,
    // A new search, sort or window keeps the last answer on screen until its own arrives.
    placeholderData: keepPreviousData,
  });
  const onVisibleRows = useCallback((first: number, last: number) => {
    const offset = Math.max(0, Math.floor((first - WINDOW_MARGIN) / WINDOW_STEP) * WINDOW_STEP);
    const end = Math.ceil((last + 1 + WINDOW_MARGIN) / WINDOW_STEP) * WINDOW_STEP;
    setWin((w) => (w.offset === offset && w.limit === end - offset ? w : { offset, limit: end - offset }));
  }, []);
  // A new search, filter or order starts at its first row: back to the table's top if it scrolled past it.
  const toFirstRow = useCallback(() => {
    setWin({ offset: 0, limit: WINDOW_STEP });
    const heading = document.getElementById("nodes-heading");
    if (heading && heading.getBoundingClientRect().top < 0) heading.scrollIntoView();
  }, []);
  const onSort = useCallback(
    (key: NodeSort) => {
      setSort((s) => (s.sort === key ? { sort: key, order: s.order === "asc" ? "desc" : "asc" } : { sort: key, order: FIRST_ORDER[key] }));
      toFirstRow();
    },
    [toFirstRow],
  );
  const onPhoneSort = useCallback(
    (value: string) => {
      const [key, order] = value.split("-") as [NodeSort, NodeOrder];
      setSort({ sort: key, order });
      toFirstRow();
    },
    [toFirstRow],
  );
  const onFilter = useCallback(
    (f: NodeFilter) => {
      setFilter(f);
      toFirstRow();
    },
    [toFirstRow],
  );
  // A second service started while this page showed the cluster's only one: the page becomes the services view.
  const gainedService = !service && needsService(query.error);
  useEffect(() => {
    if (gainedService) router.refresh();
  }, [gainedService, router]);
  const [planned, setPlanned] = useState<PlannedCommand | null>(null);
  const [trackedId, setTrackedId] = useState<string | null>(null);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const [actionError, setActionError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["cluster", name, service ?? null] });

  const command = useMutation({
    mutationFn: (v: { kind: RequestCommandBody["kind"]; targetNode: string; reason: string; force: boolean }) =>
      apiFetch<CommandJson>(`${base}/commands${qs}`, {
        method: "POST",
        json: {
          ...(service ? { service } : {}),
          kind: v.kind,
          targetNode: v.targetNode,
          ...(v.reason ? { reason: v.reason } : {}),
          ...(v.force ? { force: true } : {}),
        } satisfies RequestCommandBody & { service?: string },
      }),
    onSuccess: (c) => {
      setTrackedId(c.id);
      setPlanned(null);
      void refresh();
    },
  });
  const cancel = useMutation({
    mutationFn: (id: string) => apiFetch<CommandJson>(`${base}/commands/${id}/cancel${qs}`, { method: "POST" }),
    onSuccess: refresh,
    onError: (e) => setActionError(errorText(e)),
  });
  const patchCluster = useMutation({
    mutationFn: (body: UpdateClusterBody) => apiFetch<ClusterDetailJson>(`${base}${qs}`, { method: "PATCH", json: body }),
    onSuccess: () => {
      setActionError(null);
      void refresh();
    },
    onError: (e) => setActionError(errorText(e)),
  });
  // Settings errors (a refused combination of timings, with its numbers) show under the form itself.
  const saveSettings = useMutation({
    mutationFn: (body: UpdateClusterBody) => apiFetch<ClusterDetailJson>(`${base}${qs}`, { method: "PATCH", json: body }),
    onSuccess: () => void refresh(),
  });
  const removeNode = useMutation({
    mutationFn: (v: { node: string; reason: string }) =>
      apiFetch<unknown>(`${base}/nodes/${encodeURIComponent(v.node)}${qs}`, {
        method: "DELETE",
        ...(v.reason ? { json: { reason: v.reason } satisfies RemoveNodeBody } : {}),
      }),
    onSuccess: () => {
      setPlanned(null);
      void refresh();
    },
  });
  const patchNode = useMutation({
    mutationFn: (v: { node: NodeJson; body: UpdateNodeBody }) =>
      apiFetch<NodeJson>(`${base}/nodes/${encodeURIComponent(v.node.name)}${qs}`, { method: "PATCH", json: v.body }),
    onSuccess: () => {
      setActionError(null);
      void refresh();
    },
    onError: (e) => setActionError(errorText(e)),
  });

  if (query.isPending) return <LoadingState label={`cluster ${name}`} />;
  if (!query.data) return <ErrorState error={query.error} what={`cluster ${name}`} />;
  const { detail, at: receivedAt } = query.data;
  const { cluster, nodeCounts: counts } = detail;
  const commandOpen = detail.commands.some((c) => c.status === "PENDING" || c.status === "RUNNING");
  const clockOffsetMs = new Date(detail.dbTime).getTime() - receivedAt;
  // The active node(s) and the next election's pick come with every answer, whatever the table shows.
  const known = knownNodes(detail);
  const active = known.find((n) => n.role === "ACTIVE");
  // Active-active (mode ALL): every eligible node serves; no switchover, no single active.
  const allMode = cluster.mode === "ALL";
  const { serving } = counts;
  const { minActive } = cluster;
  const kept = allMode ? null : keptWithoutStandby(known);
  const auditQuery = `cluster=${encodeURIComponent(cluster.name)}${service ? `&service=${encodeURIComponent(service)}` : ""}`;

  return (
    <div className="space-y-6">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href="/" className="text-sky-800 underline">
          Clusters
        </Link>{" "}
        /{" "}
        {service ? (
          <>
            <Link href={`/clusters/${encodeURIComponent(cluster.name)}`} className="text-sky-800 underline">
              {cluster.name}
            </Link>{" "}
            / <span aria-current="page">{service}</span>
          </>
        ) : (
          <span aria-current="page">{cluster.name}</span>
        )}
      </nav>
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-bold">Cluster {cluster.name}</h1>
        {service && <span className="rounded bg-slate-800 px-2 py-0.5 text-sm font-semibold text-white">service {service}</span>}
        {allMode && (
          <span
            data-testid="serving-count"
            className={`rounded px-2 py-0.5 text-sm font-semibold ${serving < minActive ? "bg-red-700 text-white" : "bg-emerald-100 text-emerald-900"}`}
          >
            {servingText(serving, counts.total, minActive)}
          </span>
        )}
        <span className="rounded bg-slate-200 px-2 py-0.5 text-sm">
          epoch <span className="font-mono">{cluster.epoch}</span>
        </span>
        <span className="rounded bg-slate-200 px-2 py-0.5 text-sm">
          {cluster.failoverMode.toLowerCase()} failover · heartbeat {cluster.heartbeatMs} ms · lease {cluster.leaseMs} ms · demote budget{" "}
          {cluster.demoteTimeoutMs} ms
        </span>
        <span className="rounded bg-slate-200 px-2 py-0.5 text-sm">
          flap damping: hold-off {roundDuration(cluster.checkHoldOffMs)} ·{" "}
          {cluster.failoverLimit === 0 ? "no failover limit" : `at most ${cluster.failoverLimit} failovers per ${roundDuration(cluster.failoverWindowMs)}`}
        </span>
        {cluster.paused && <span className="rounded bg-amber-300 px-2 py-0.5 text-sm font-bold text-amber-950">Automatic failover paused</span>}
        <span className="ml-auto">
          <LiveIndicator updatedAt={receivedAt} isError={query.isError} />
        </span>
      </div>
      {nav}
      {!active && counts.total > 0 && (
        <p role="alert" className="rounded border-2 border-red-700 bg-red-50 p-3 font-semibold text-red-900">
          {allMode ? "No node serves." : "No node is active."}{" "}
          {allMode
            ? cluster.paused
              ? "The service is paused: no node joins until it is resumed."
              : "Every eligible node joins as soon as its checks pass and it is out of maintenance."
            : cluster.failoverMode === "AUTOMATIC" && !cluster.paused
              ? "Automatic failover elects one as soon as a standby is eligible."
              : "Promote a standby to restore service."}
        </p>
      )}
      {kept && (
        <p role="alert" data-testid="kept-without-standby" className="rounded border-2 border-amber-600 bg-amber-50 p-3 font-semibold text-amber-950">
          {kept} Fix the service, or a standby&apos;s checks, to let it hand over.
        </p>
      )}
      {cluster.pausedReason && (
        <p role="alert" data-testid="paused-reason" className="rounded border-2 border-amber-600 bg-amber-50 p-3 font-semibold text-amber-950">
          The cluster paused itself: {cluster.pausedReason}
        </p>
      )}

      <CommandPanel
        commands={detail.commands}
        nodes={known}
        dbTime={detail.dbTime}
        dismissed={dismissed}
        trackedId={trackedId}
        clockOffsetMs={clockOffsetMs}
        canCancel={operator}
        cancelling={cancel.isPending}
        onCancel={(id) => cancel.mutate(id)}
        onDismiss={(id) => {
          setDismissed(new Set([...dismissed, id]));
          if (id === trackedId) setTrackedId(null);
        }}
      />
      {actionError && (
        <p role="alert" className="rounded bg-red-50 p-3 font-medium text-red-900 ring-1 ring-red-600">
          {actionError}{" "}
          <button type="button" className="ml-2 underline" onClick={() => setActionError(null)}>
            Dismiss
          </button>
        </p>
      )}

      <section aria-labelledby="nodes-heading">
        <div className="mb-2 flex flex-wrap items-baseline gap-x-4 gap-y-2">
          <h2 id="nodes-heading" className="text-lg font-semibold">
            Nodes
          </h2>
          <NodeCountsLine counts={counts} />
        </div>
        {counts.total > 0 && (
          <NodeFilters
            filter={filter}
            onChange={onFilter}
            matching={counts.matching}
            total={counts.total}
            sort={`${sort.sort}-${sort.order}`}
            onSort={onPhoneSort}
          />
        )}
        <NodeTable
          nodes={detail.nodes}
          offset={detail.nodePage.offset}
          matching={counts.matching}
          total={counts.total}
          keyNodes={detail.keyNodes}
          sort={sort.sort}
          order={sort.order}
          onSort={onSort}
          onVisibleRows={onVisibleRows}
          canForce={user.role === "ADMIN"}
          receivedAt={receivedAt}
          canOperate={operator}
          activeActive={allMode}
          commandOpen={commandOpen}
          onCommand={(kind, target) => {
            command.reset();
            setPlanned({ kind, target });
          }}
          onRemove={(target) => {
            removeNode.reset();
            setPlanned({ kind: "REMOVE", target });
          }}
          onMaintenance={(node, maintenance) => patchNode.mutate({ node, body: { maintenance } })}
          onPriority={(node, priority) => patchNode.mutate({ node, body: { priority } })}
        />
      </section>

      {operator && (
        <section aria-labelledby="controls-heading" className="rounded-lg border border-slate-300 bg-white p-4">
          <h2 id="controls-heading" className="text-lg font-semibold">
            Automatic failover
          </h2>
          <p className="mt-1 text-slate-700">
            {cluster.paused
              ? "Paused: if the active node dies, no standby takes over until you resume or promote one. Manual commands still run."
              : allMode
                ? "Active-active: every healthy, eligible node serves; a node whose lease lapses leaves the serving set until it is back."
                : cluster.failoverMode === "AUTOMATIC"
                  ? "On: if the active node stops renewing its lease, the best healthy standby takes over."
                  : "Manual mode: the agents never elect a new active by themselves."}
          </p>
          <button
            type="button"
            disabled={patchCluster.isPending}
            onClick={() => patchCluster.mutate({ paused: !cluster.paused })}
            className={`mt-3 rounded px-4 py-2 font-semibold focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:opacity-50 ${cluster.paused ? "bg-emerald-700 text-white" : "bg-amber-400 text-slate-950"}`}
          >
            {cluster.paused ? "Resume automatic failover" : "Pause automatic failover"}
          </button>
          {user.role === "ADMIN" && (
            <div className="mt-4 border-t border-slate-200 pt-4">
              <h3 className="mb-2 font-semibold">Settings (admin)</h3>
              <ClusterSettingsForm
                cluster={cluster}
                saving={saveSettings.isPending}
                error={saveSettings.error ? errorText(saveSettings.error) : null}
                onSave={(s) => saveSettings.mutateAsync(s)}
              />
            </div>
          )}
        </section>
      )}

      <section aria-labelledby="recent-heading" className="rounded-lg border border-slate-300 bg-white p-4">
        <div className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
          <h2 id="recent-heading" className="text-lg font-semibold">
            Recent commands
          </h2>
          <Link href={`/audit?${auditQuery}`} className="text-sky-800 underline">
            Audit log and timeline for {service ? `${cluster.name} · ${service}` : cluster.name}
          </Link>
        </div>
        <RecentCommands commands={detail.commands} />
      </section>

      <ConfirmCommandDialog
        planned={planned}
        detail={detail}
        pending={planned?.kind === "REMOVE" ? removeNode.isPending : command.isPending}
        error={planned?.kind === "REMOVE" ? (removeNode.error ? errorText(removeNode.error) : null) : command.error ? errorText(command.error) : null}
        canForce={user.role === "ADMIN"}
        onConfirm={(reason, force) => {
          if (planned?.kind === "REMOVE") removeNode.mutate({ node: planned.target.name, reason });
          else if (planned) command.mutate({ kind: planned.kind, targetNode: planned.target.name, reason, force });
        }}
        onClose={() => setPlanned(null)}
      />
    </div>
  );
}
