"use client";
import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { createContext, memo, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { NodeJson } from "@/lib/api/api-types";
import { PRIORITY_MAX } from "@/lib/cluster/priority";
import { CheckBadge, HealthBadge, RoleBadge } from "./badges";
import { checkProblem, COMMAND_LABEL, commandOffer, type CommandKind } from "./describe-command";
import { formatDuration, formatTime } from "./format";
import { useNow } from "./use-now";

export type NodeSort = "name" | "priority" | "role" | "health" | "heartbeat";
export type NodeOrder = "asc" | "desc";

type Props = {
  /** The rows the server sent: matching nodes offset..offset+nodes.length in the chosen order. */
  nodes: NodeJson[];
  offset: number;
  /** How many nodes match the search and filters (the table's height), and how many there are. */
  matching: number;
  total: number;
  /** The active node(s) and the next election's pick, whatever rows were sent: which command each row offers. */
  keyNodes: NodeJson[];
  sort: NodeSort;
  order: NodeOrder;
  onSort: (sort: NodeSort) => void;
  /** The rows on screen (with a margin) changed: the parent asks the server for those. */
  onVisibleRows: (first: number, last: number) => void;
  /** When the snapshot arrived (browser clock); ages tick from there until the next poll. */
  receivedAt: number;
  canOperate: boolean;
  /** ADMIN: a switchover or promote onto a node whose checks fail is offered (the dialog asks to force it). */
  canForce?: boolean;
  commandOpen: boolean;
  /** An active-active (mode ALL) service: every eligible node serves ("Serving"), there is no role to move (no role commands). */
  activeActive?: boolean;
  onCommand: (kind: CommandKind, node: NodeJson) => void;
  onMaintenance: (node: NodeJson, maintenance: boolean) => void;
  onPriority: (node: NodeJson, priority: number) => void;
  /** Remove a standby that is down (the server re-checks: silent for longer than a lease). */
  onRemove: (node: NodeJson) => void;
};

// On phones each row becomes a card: cells stack in two columns, each with its column name above.
const cell =
  "px-3 py-2 max-md:block max-md:px-0 max-md:py-1 max-md:before:block max-md:before:text-xs max-md:before:font-medium max-md:before:text-slate-600 max-md:before:content-[attr(data-label)] max-md:before:font-sans";

const button =
  "rounded px-3 py-1.5 text-sm font-semibold focus-visible:outline-3 focus-visible:outline-offset-1 focus-visible:outline-sky-600 disabled:cursor-not-allowed disabled:opacity-50";

function PriorityField({ node, disabled, onPriority }: { node: RowNode; disabled: boolean; onPriority: RowActions["priority"] }) {
  const [draft, setDraft] = useState<string | null>(null);
  const value = draft ?? String(node.priority);
  const valid = /^\d+$/.test(value) && Number(value) <= PRIORITY_MAX;
  return (
    <form
      className="flex items-center gap-1"
      onSubmit={(e) => {
        e.preventDefault();
        if (valid && Number(value) !== node.priority) onPriority(node.id, Number(value));
        setDraft(null);
      }}
    >
      <input
        type="number"
        min={0}
        max={PRIORITY_MAX}
        value={value}
        disabled={disabled}
        aria-label={`Priority of ${node.name}`}
        aria-invalid={!valid}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => e.key === "Escape" && setDraft(null)}
        className="w-20 rounded border border-slate-400 px-2 py-1 font-mono"
      />
      {draft !== null && draft !== String(node.priority) && (
        <button type="submit" disabled={!valid} className={`${button} bg-slate-800 text-white`}>
          Set
        </button>
      )}
    </form>
  );
}

/** What a row displays besides the ticking cells: the row re-renders only when one of these changes. */
const ROW_FIELDS = [
  "id",
  "name",
  "host",
  "role",
  "health",
  "maintenance",
  "priority",
  "activeEpoch",
  "agentVersion",
  "checkStatus",
  "isolated",
  "checkSince",
] as const;
type RowNode = Pick<NodeJson, (typeof ROW_FIELDS)[number] | "checks">;

const sameChecks = (a: NodeJson["checks"], b: NodeJson["checks"]) =>
  a.length === b.length && a.every((c, i) => c.name === b[i].name && c.status === b[i].status && c.since === b[i].since && c.output === b[i].output);

/**
 * The node's check badge; each check's status, last output and since-when on hover (title) and in
 * a disclosure below it (keyboard and touch).
 */
function ChecksCell({ node: n }: { node: RowNode }) {
  const since = n.checkSince ? ` since ${formatTime(n.checkSince)}` : "";
  const lines = n.checks.map(
    (c) => `${c.name}: ${c.status.toLowerCase()}${c.output ? ` — ${c.output}` : ""}${c.since ? ` (since ${formatTime(c.since)})` : ""}`,
  );
  const title = `${n.isolated ? "isolated; " : ""}checks ${n.checkStatus.toLowerCase()}${since}${lines.length ? `\n${lines.join("\n")}` : ""}`;
  return (
    <td data-label="Checks" className={`${cell}`} data-testid="node-checks">
      <CheckBadge status={n.checkStatus} isolated={n.isolated} title={title} />
      {n.checks.length > 0 ? (
        <details className="mt-1 text-xs">
          <summary className="cursor-pointer text-slate-700">
            {n.checks.length} check{n.checks.length === 1 ? "" : "s"}
            {since && ` ·${since}`}
          </summary>
          <ul className="mt-1 max-w-[22rem] space-y-0.5" data-testid="check-list">
            {n.checks.map((c) => (
              <li key={c.name} data-check={c.name} data-status={c.status} className={c.status === "FAILING" ? "font-semibold text-red-900" : "text-slate-800"}>
                <span className="font-mono">{c.name}</span> {c.status.toLowerCase()}
                {c.output && <span className="break-words font-mono"> — {c.output}</span>}
                {c.since && <span className="text-slate-600"> (since {formatTime(c.since)})</span>}
              </li>
            ))}
          </ul>
        </details>
      ) : (
        <span className="block text-xs text-slate-600">no checks configured{since}</span>
      )}
    </td>
  );
}

/** Stable for the table's lifetime; they hand the parent the latest snapshot of the node. */
type RowActions = {
  command: (kind: CommandKind, id: string) => void;
  maintenance: (id: string, maintenance: boolean) => void;
  priority: (id: string, priority: number) => void;
  remove: (id: string) => void;
};

type RowProps = {
  node: RowNode;
  /** Position among the matching nodes (0-based): aria-rowindex and the virtualizer's data-index. */
  index: number;
  /** The virtualizer measures each rendered row's height. */
  measure: (el: HTMLTableRowElement | null) => void;
  kind: CommandKind | null;
  blocked: string | null;
  canOperate: boolean;
  serving: boolean;
  actions: RowActions;
};

// Heartbeat age, lease left and "held off" tick between polls. Their cells read the latest
// snapshot from this context and the time from the shared clock, so a tick or a poll re-renders
// only those two cells of each row, not the memoized rows around them (re-rendering 1,000 whole
// rows every 250 ms cost 1-3 s of main thread per 5 s).
const Snapshot = createContext<{ byId: Map<string, NodeJson>; receivedAt: number } | null>(null);

function useTicking(id: string): { node: NodeJson; elapsed: number } {
  const now = useNow(250);
  const snapshot = useContext(Snapshot);
  const node = snapshot?.byId.get(id);
  if (!snapshot || !node) throw new Error(`node ${id} is not in the table's snapshot`);
  return { node, elapsed: Math.max(0, now - snapshot.receivedAt) };
}

/** The two ticking cells of a row, Heartbeat age and Lease left (with "held off"). */
function TickingCells({ id, down }: { id: string; down: boolean }) {
  const { node: n, elapsed } = useTicking(id);
  const age = n.heartbeatAgeMs === null ? null : n.heartbeatAgeMs + elapsed;
  const lease = n.leaseRemainingMs === null ? null : n.leaseRemainingMs - elapsed;
  return (
    <>
      <td data-label="Heartbeat age" className={`${cell} font-mono text-sm tabular-nums ${down ? "font-bold text-red-800" : ""}`}>
        {age === null ? "never" : formatDuration(age)}
      </td>
      <td data-label="Lease left" className={`${cell} font-mono text-sm tabular-nums`}>
        {lease === null ? "–" : lease > 0 ? formatDuration(lease) : <span className="font-bold text-red-800">expired</span>}
        {n.holdRemainingMs !== null && (
          <span className="block text-xs text-slate-600">held off {formatDuration(Math.max(0, n.holdRemainingMs - elapsed))}</span>
        )}
      </td>
    </>
  );
}

const NodeRow = memo(
  function NodeRow({ node: n, index, measure, kind, blocked, canOperate, serving, actions }: RowProps) {
    const down = n.health === "down";
    return (
      <tr
        ref={measure}
        data-index={index}
        aria-rowindex={index + 2}
        data-node={n.name}
        data-role={n.role}
        data-health={n.health}
        data-check-status={n.checkStatus}
        data-isolated={n.isolated}
        className={`border-t border-slate-200 max-md:grid max-md:grid-cols-2 max-md:gap-x-4 max-md:rounded-lg max-md:border max-md:p-3 max-md:shadow-sm ${down ? "bg-red-50 max-md:border-red-700" : n.role === "ACTIVE" ? "bg-sky-50 max-md:border-sky-700" : "bg-white"}`}
      >
        <th
          scope="row"
          className={`px-3 py-2 text-left font-semibold md:sticky md:left-0 max-md:col-span-2 max-md:px-0 max-md:text-lg ${down ? "bg-red-50" : n.role === "ACTIVE" ? "bg-sky-50" : "bg-white"}`}
        >
          <span className={down ? "text-red-800 line-through decoration-2" : ""}>{n.name}</span>
          <span className="block text-xs font-normal text-slate-600">{n.host || "host unknown"}</span>
        </th>
        <td data-label="Role" className={`${cell}`}>
          <RoleBadge role={n.role} serving={serving} />
        </td>
        <td data-label="Health" className={`${cell}`}>
          <HealthBadge health={n.health} />
        </td>
        <ChecksCell node={n} />
        <TickingCells id={n.id} down={down} />
        <td data-label="Epoch" className={`${cell} font-mono text-sm`}>
          {n.activeEpoch ?? "–"}
        </td>
        <td data-label="Priority" className={`${cell}`}>
          {canOperate ? <PriorityField node={n} disabled={false} onPriority={actions.priority} /> : <span className="font-mono">{n.priority}</span>}
        </td>
        <td data-label="Version" className={`${cell} font-mono text-sm`}>
          {n.agentVersion || "–"}
        </td>
        <td data-label="Maintenance" className={`${cell}`}>
          {canOperate ? (
            <button
              type="button"
              role="switch"
              aria-checked={n.maintenance}
              aria-label={`Maintenance ${n.name}`}
              onClick={() => actions.maintenance(n.id, !n.maintenance)}
              className={`${button} ${n.maintenance ? "bg-amber-500 text-slate-950" : "border border-slate-400 bg-white text-slate-700"}`}
            >
              {n.maintenance ? "On" : "Off"}
            </button>
          ) : n.maintenance ? (
            "on"
          ) : (
            "off"
          )}
        </td>
        {canOperate && (
          <td data-label="Action" className={`${cell} max-md:col-span-2 max-md:pt-2`}>
            {n.role === "STANDBY" && down && (
              <button
                type="button"
                onClick={() => actions.remove(n.id)}
                className={`${button} mb-1 mr-2 border border-red-700 bg-white text-red-800 hover:bg-red-50`}
              >
                Remove
              </button>
            )}
            {kind && (
              <>
                <button
                  type="button"
                  disabled={blocked !== null}
                  aria-describedby={blocked ? `blocked-${n.id}` : undefined}
                  onClick={() => actions.command(kind, n.id)}
                  className={`${button} whitespace-nowrap text-white ${kind === "SWITCHOVER" ? "bg-sky-700 hover:bg-sky-800" : kind === "PROMOTE" ? "bg-emerald-700 hover:bg-emerald-800" : "bg-red-700 hover:bg-red-800"}`}
                >
                  {COMMAND_LABEL[kind]}
                </button>
                {blocked && (
                  <span id={`blocked-${n.id}`} className="block text-xs text-slate-700">
                    {blocked}
                  </span>
                )}
              </>
            )}
          </td>
        )}
      </tr>
    );
  },
  (a, b) =>
    a.index === b.index &&
    a.measure === b.measure &&
    a.kind === b.kind &&
    a.blocked === b.blocked &&
    a.canOperate === b.canOperate &&
    a.serving === b.serving &&
    a.actions === b.actions &&
    ROW_FIELDS.every((k) => a.node[k] === b.node[k]) &&
    sameChecks(a.node.checks, b.node.checks),
);

/** A row the server has not sent yet (scrolled to; it arrives with the next answer). */
function PendingRow({ index, columns, measure }: { index: number; columns: number; measure: (el: HTMLTableRowElement | null) => void }) {
  return (
    <tr ref={measure} data-index={index} aria-rowindex={index + 2} className="border-t border-slate-200 bg-white max-md:block">
      <td colSpan={columns} className="h-[4.5rem] px-3 py-2 text-sm text-slate-500 max-md:block">
        loading…
      </td>
    </tr>
  );
}

/** A column header that sorts (on the server): aria-sort says how, the button changes it. */
function SortHeader({
  label,
  column,
  sort,
  order,
  onSort,
  className = "",
}: {
  label: string;
  column: NodeSort;
  sort: NodeSort;
  order: NodeOrder;
  onSort: (s: NodeSort) => void;
  className?: string;
}) {
  const on = sort === column;
  return (
    <th scope="col" aria-sort={on ? (order === "asc" ? "ascending" : "descending") : "none"} className={`px-3 py-2 font-semibold ${className}`}>
      <button
        type="button"
        onClick={() => onSort(column)}
        className="inline-flex items-center gap-1 rounded font-semibold hover:underline focus-visible:outline-3 focus-visible:outline-offset-1 focus-visible:outline-sky-600"
      >
        {label}
        <span aria-hidden="true" className={on ? "text-slate-900" : "text-slate-400"}>
          {on ? (order === "asc" ? "▲" : "▼") : "↕"}
        </span>
      </button>
    </th>
  );
}

/** Row height before it is measured: a desktop row (name and host, the checks line); a phone's card is taller. */
const ESTIMATED_ROW_PX = 74;

export function NodeTable({
  nodes,
  offset,
  matching,
  total,
  keyNodes,
  sort,
  order,
  onSort,
  onVisibleRows,
  receivedAt,
  canOperate,
  canForce = false,
  commandOpen,
  activeActive = false,
  onCommand,
  onMaintenance,
  onPriority,
  onRemove,
}: Props) {
  const snapshot = useMemo(() => ({ byId: new Map(nodes.map((n) => [n.id, n])), receivedAt }), [nodes, receivedAt]);
  // The parent passes new callbacks on every render; rows get stable ones that look up the latest
  // snapshot of the node, so a poll does not re-render them.
  const latest = useRef({ byId: snapshot.byId, onCommand, onMaintenance, onPriority, onRemove });
  useLayoutEffect(() => {
    latest.current = { byId: snapshot.byId, onCommand, onMaintenance, onPriority, onRemove };
  });
  const [actions] = useState<RowActions>(() => {
    const withNode = (id: string, act: (node: NodeJson) => void) => {
      const node = latest.current.byId.get(id);
      if (node) act(node);
    };
    return {
      command: (kind, id) => withNode(id, (n) => latest.current.onCommand(kind, n)),
      maintenance: (id, maintenance) => withNode(id, (n) => latest.current.onMaintenance(n, maintenance)),
      priority: (id, priority) => withNode(id, (n) => latest.current.onPriority(n, priority)),
      remove: (id) => withNode(id, (n) => latest.current.onRemove(n)),
    };
  });
  // Only the rows on screen (and a few around them) are in the DOM; the page scrolls as usual.
  // scrollMargin: where the rows start on the page (banners above the table move it).
  const body = useRef<HTMLTableSectionElement>(null);
  const [scrollMargin, setScrollMargin] = useState(0);
  useLayoutEffect(() => {
    const el = body.current;
    if (!el) return;
    const top = Math.round(el.getBoundingClientRect().top + window.scrollY);
    if (Math.abs(top - scrollMargin) > 1) setScrollMargin(top);
  }, [scrollMargin, nodes, matching]); // re-read with every answer: a banner above may have come or gone
  const nodeAt = (i: number) => (i >= offset && i < offset + nodes.length ? nodes[i - offset] : undefined);
  const virtualizer = useWindowVirtualizer<HTMLTableRowElement>({
    count: matching,
    estimateSize: () => ESTIMATED_ROW_PX,
    overscan: 6,
    scrollMargin,
    getItemKey: (i) => nodeAt(i)?.id ?? `pending-${i}`,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items.at(-1)?.index ?? 0;
  useEffect(() => onVisibleRows(first, last), [first, last, onVisibleRows]);
  const offer = commandOffer(keyNodes.length ? [...keyNodes, ...nodes] : nodes);
  if (total === 0) {
    return (
      <p className="rounded border border-dashed border-slate-400 bg-white p-6">
        No nodes in this cluster yet. Start an agent with <code className="rounded bg-slate-100 px-1">--cluster</code> set to this cluster&apos;s name.
      </p>
    );
  }
  const columns = canOperate ? 11 : 10;
  const padTop = items.length ? items[0].start - scrollMargin : 0;
  const padBottom = items.length ? virtualizer.getTotalSize() - items[items.length - 1].end : 0;
  const sortProps = { sort, order, onSort };
  return (
    <div className="rounded-lg border-slate-300 bg-white md:overflow-x-auto md:border md:shadow-sm max-md:bg-transparent">
      <table className="w-full text-left max-md:block md:min-w-[70rem]" aria-rowcount={matching + 1} data-node-count={matching}>
        <caption className="sr-only">
          Nodes, their roles and health; ages are measured on the database clock. {matching} of {total} nodes; only the rows on screen are shown, scroll or
          search for the others.
        </caption>
        <thead className="bg-slate-100 text-sm text-slate-700 max-md:hidden">
          <tr aria-rowindex={1}>
            <SortHeader label="Node" column="name" {...sortProps} className="sticky left-0 bg-slate-100" />
            <SortHeader label="Role" column="role" {...sortProps} />
            <SortHeader label="Health" column="health" {...sortProps} />
            <th scope="col" className="px-3 py-2 font-semibold">
              Checks
            </th>
            <SortHeader label="Heartbeat age" column="heartbeat" {...sortProps} />
            <th scope="col" className="px-3 py-2 font-semibold">
              Lease left
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Epoch
            </th>
            <SortHeader label="Priority" column="priority" {...sortProps} />
            <th scope="col" className="px-3 py-2 font-semibold">
              Version
            </th>
            <th scope="col" className="px-3 py-2 font-semibold">
              Maintenance
            </th>
            {canOperate && (
              <th scope="col" className="px-3 py-2 font-semibold">
                Action
              </th>
            )}
          </tr>
        </thead>
        <Snapshot value={snapshot}>
          <tbody ref={body} className="max-md:block max-md:space-y-3">
            {padTop > 0 && (
              <tr aria-hidden="true" className="max-md:block">
                <td colSpan={columns} style={{ height: padTop, padding: 0 }} className="max-md:block" />
              </tr>
            )}
            {matching === 0 && (
              <tr>
                <td colSpan={columns} className="px-3 py-6 text-center text-slate-700 max-md:block">
                  No node matches the search and filters.
                </td>
              </tr>
            )}
            {items.map(({ index }) => {
              const n = nodeAt(index);
              if (!n) return <PendingRow key={`pending-${index}`} index={index} columns={columns} measure={virtualizer.measureElement} />;
              const kind = activeActive ? null : offer(n);
              // The agents refuse these; say so before the operator tries.
              const blocked = commandOpen
                ? "another command is in progress"
                : kind !== "DEMOTE" && n.health !== "healthy"
                  ? `not possible: ${n.name} is ${n.health}`
                  : kind !== "DEMOTE" && n.maintenance
                    ? `not possible: ${n.name} is in maintenance`
                    : kind !== "DEMOTE" && !canForce && checkProblem(n)
                      ? `not possible: ${checkProblem(n)} (an ADMIN may force it)`
                      : null;
              return (
                <NodeRow
                  key={n.id}
                  node={n}
                  index={index}
                  measure={virtualizer.measureElement}
                  kind={kind}
                  blocked={blocked}
                  canOperate={canOperate}
                  serving={activeActive}
                  actions={actions}
                />
              );
            })}
            {padBottom > 0 && (
              <tr aria-hidden="true" className="max-md:block">
                <td colSpan={columns} style={{ height: padBottom, padding: 0 }} className="max-md:block" />
              </tr>
            )}
          </tbody>
        </Snapshot>
      </table>
    </div>
  );
}
