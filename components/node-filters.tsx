"use client";
import { useEffect, useState } from "react";

export type NodeFilter = { q: string; role: "" | "ACTIVE" | "STANDBY"; health: "" | "healthy" | "suspect" | "down" };

const field = "rounded border border-slate-400 bg-white px-2 py-1.5 focus-visible:outline-3 focus-visible:outline-offset-1 focus-visible:outline-sky-600";
const SEARCH_DELAY_MS = 250;
const PHONE_SORTS = ["name-asc", "health-desc", "role-asc", "priority-desc", "heartbeat-desc"];

/**
 * Search (name or host) and role / health filters of the node table; the server applies them. The
 * search is sent once typing pauses. "12 of 1,000 nodes match" is announced politely.
 */
export function NodeFilters({
  filter,
  onChange,
  matching,
  total,
  sort,
  onSort,
}: {
  filter: NodeFilter;
  onChange: (f: NodeFilter) => void;
  matching: number;
  total: number;
  /** On a phone the table has no header row: its order is chosen here ("name-asc", "priority-desc", ...). */
  sort?: string;
  onSort?: (sort: string) => void;
}) {
  const [text, setText] = useState(filter.q);
  useEffect(() => {
    if (text === filter.q) return;
    const t = setTimeout(() => onChange({ ...filter, q: text }), SEARCH_DELAY_MS);
    return () => clearTimeout(t);
  }, [text, filter, onChange]);
  const filtered = filter.q.trim() !== "" || filter.role !== "" || filter.health !== "";
  return (
    <div role="search" aria-label="Nodes" className="mb-3 flex flex-wrap items-center gap-3">
      <label className="flex items-center gap-2">
        <span className="text-sm font-medium">Search</span>
        <input
          type="search"
          value={text}
          placeholder="node name or host"
          aria-label="Search nodes by name or host"
          maxLength={100}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") onChange({ ...filter, q: text });
          }}
          className={`${field} w-64`}
        />
      </label>
      <label className="flex items-center gap-2">
        <span className="text-sm font-medium">Role</span>
        <select value={filter.role} onChange={(e) => onChange({ ...filter, q: text, role: e.target.value as NodeFilter["role"] })} className={field}>
          <option value="">all</option>
          <option value="ACTIVE">active</option>
          <option value="STANDBY">standby</option>
        </select>
      </label>
      <label className="flex items-center gap-2">
        <span className="text-sm font-medium">Health</span>
        <select value={filter.health} onChange={(e) => onChange({ ...filter, q: text, health: e.target.value as NodeFilter["health"] })} className={field}>
          <option value="">all</option>
          <option value="healthy">healthy</option>
          <option value="suspect">suspect</option>
          <option value="down">down</option>
        </select>
      </label>
      {sort && onSort && (
        <label className="flex items-center gap-2 md:hidden">
          <span className="text-sm font-medium">Sort</span>
          <select value={sort} onChange={(e) => onSort(e.target.value)} className={field}>
            <option value="name-asc">name</option>
            <option value="health-desc">health, down first</option>
            <option value="role-asc">role, active first</option>
            <option value="priority-desc">priority, highest first</option>
            <option value="heartbeat-desc">heartbeat, oldest first</option>
            {!PHONE_SORTS.includes(sort) && <option value={sort}>{sort.replace("-", ", ")}</option>}
          </select>
        </label>
      )}
      <p role="status" className="text-sm text-slate-700" data-testid="node-matching">
        {filtered ? `${matching.toLocaleString("en")} of ${total.toLocaleString("en")} nodes match` : ""}
      </p>
      {filtered && (
        <button
          type="button"
          onClick={() => {
            setText("");
            onChange({ q: "", role: "", health: "" });
          }}
          className="rounded border border-slate-400 bg-white px-3 py-1.5 text-sm font-semibold focus-visible:outline-3 focus-visible:outline-offset-1 focus-visible:outline-sky-600"
        >
          Clear filters
        </button>
      )}
    </div>
  );
}
