"use client";
import type { CommandJson, NodeJson } from "@/lib/api/api-types";
import { CommandStatusBadge } from "./badges";
import { describeCommandStage, describeHookOutcomes } from "./describe-command";
import { actorLabel, formatDuration, formatTime } from "./format";
import { useNow } from "./use-now";

const OPEN = new Set(["PENDING", "RUNNING"]);
const STEPS = ["PENDING", "RUNNING", "SUCCEEDED"] as const;
const KIND_TEXT: Record<string, string> = { PROMOTE: "Promote", DEMOTE: "Demote", SWITCHOVER: "Switchover to" };

/** A command finished this recently (database clock) stays on screen for every viewer, not only its requester. */
const RECENT_MS = 60_000;

type Props = {
  commands: CommandJson[];
  /** The nodes of the same snapshot: who is still active while a command runs. */
  nodes: NodeJson[];
  /** Database time of the snapshot. */
  dbTime: string;
  dismissed: ReadonlySet<string>;
  /** Shown until dismissed even once terminal (the command this browser requested). */
  trackedId: string | null;
  /** Server time minus browser time, so elapsed times use the database clock. */
  clockOffsetMs: number;
  canCancel: boolean;
  cancelling: boolean;
  onCancel: (id: string) => void;
  onDismiss: (id: string) => void;
};

export function CommandPanel({ commands, nodes, dbTime, dismissed, trackedId, clockOffsetMs, canCancel, cancelling, onCancel, onDismiss }: Props) {
  const now = useNow(250) + clockOffsetMs;
  const latest = commands[0];
  const recentlyFinished = latest?.finishedAt && new Date(dbTime).getTime() - new Date(latest.finishedAt).getTime() < RECENT_MS ? latest.id : null;
  const shown = commands.filter((c) => !dismissed.has(c.id) && (OPEN.has(c.status) || c.id === trackedId || c.id === recentlyFinished));
  if (shown.length === 0) return null;
  return (
    <section aria-label="Command progress" className="space-y-3">
      {shown.map((c) => {
        const open = OPEN.has(c.status);
        const failed = c.status === "FAILED" || c.status === "EXPIRED";
        const end = c.finishedAt ? new Date(c.finishedAt).getTime() : now;
        const stepIndex = STEPS.indexOf(c.status as (typeof STEPS)[number]);
        const stage = describeCommandStage(c, nodes);
        const hooks = describeHookOutcomes(c.hookOutcomes);
        return (
          <div
            key={c.id}
            role="status"
            aria-live="polite"
            data-testid="command-progress"
            data-status={c.status}
            className={`rounded-lg border-2 p-4 ${failed ? "border-red-700 bg-red-50" : c.status === "SUCCEEDED" ? "border-emerald-600 bg-emerald-50" : "border-sky-600 bg-sky-50"}`}
          >
            <div className="flex flex-wrap items-center gap-2">
              <h2 className="text-lg font-semibold">
                {KIND_TEXT[c.kind]} {c.targetNode}
              </h2>
              <CommandStatusBadge status={c.status} />
              <span className="text-sm text-slate-700">
                {formatDuration(end - new Date(c.createdAt).getTime())} · requested by {actorLabel(c.requestedBy)}
              </span>
              <div className="ml-auto flex gap-2">
                {canCancel && c.status === "PENDING" && (
                  <button
                    type="button"
                    disabled={cancelling}
                    onClick={() => onCancel(c.id)}
                    className="rounded border border-slate-600 bg-white px-3 py-1 text-sm font-medium hover:bg-slate-100 focus-visible:outline-3 focus-visible:outline-sky-600"
                  >
                    Cancel command
                  </button>
                )}
                {!open && (
                  <button
                    type="button"
                    onClick={() => onDismiss(c.id)}
                    className="rounded border border-slate-600 bg-white px-3 py-1 text-sm hover:bg-slate-100 focus-visible:outline-3 focus-visible:outline-sky-600"
                  >
                    Dismiss
                  </button>
                )}
              </div>
            </div>
            <ol className="mt-2 flex flex-wrap gap-2 text-sm" aria-label="Steps">
              {STEPS.map((s, i) => (
                <li key={s} className={`rounded px-2 py-0.5 ${i <= stepIndex ? "bg-slate-800 text-white" : "bg-white text-slate-600 ring-1 ring-slate-300"}`}>
                  {i + 1}. {s === "PENDING" ? "waiting for agents" : s === "RUNNING" ? "agents switching roles" : "done"}
                </li>
              ))}
            </ol>
            {stage && (
              <p className="mt-2 text-sm" data-testid="command-stage">
                {stage}
              </p>
            )}
            {c.status === "PENDING" && <p className="mt-2 text-sm">Expires at {formatTime(c.deadline)} if the agents do not act.</p>}
            {hooks.length > 0 && (
              <ul className="mt-2 space-y-0.5 text-sm" aria-label="Hooks" data-testid="command-hooks">
                {hooks.map((h) => (
                  <li key={h.text} className={h.ok ? "text-slate-800" : "font-semibold text-red-900"}>
                    {h.ok ? "✓" : "✗"} {h.text}
                  </li>
                ))}
              </ul>
            )}
            {(failed || c.status === "CANCELLED") && (
              <p className="mt-2 font-semibold text-red-900">
                {c.status === "EXPIRED" ? "Expired" : c.status === "FAILED" ? "Failed" : "Cancelled"}: {c.error ?? "no reason recorded"}
              </p>
            )}
          </div>
        );
      })}
    </section>
  );
}

export function RecentCommands({ commands }: { commands: CommandJson[] }) {
  if (commands.length === 0) return <p className="text-slate-600">No commands yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[40rem] text-left text-sm">
        <thead className="border-b border-slate-300 text-slate-600">
          <tr>
            <th scope="col" className="py-1 pr-3 font-medium">
              Requested
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Command
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              Status
            </th>
            <th scope="col" className="py-1 pr-3 font-medium">
              By
            </th>
            <th scope="col" className="py-1 font-medium">
              Result
            </th>
          </tr>
        </thead>
        <tbody>
          {commands.map((c) => (
            <tr key={c.id} className="border-b border-slate-100 align-top">
              <td className="py-1 pr-3 whitespace-nowrap">{formatTime(c.createdAt)}</td>
              <td className="py-1 pr-3">
                {KIND_TEXT[c.kind]} {c.targetNode}
              </td>
              <td className="py-1 pr-3">
                <CommandStatusBadge status={c.status} />
              </td>
              <td className="py-1 pr-3">{actorLabel(c.requestedBy)}</td>
              <td className="py-1">
                {c.error ?? (c.reason ? `reason: ${c.reason}` : "")}
                {describeHookOutcomes(c.hookOutcomes).map((h) => (
                  <span key={h.text} className={`block ${h.ok ? "text-slate-700" : "font-semibold text-red-900"}`}>
                    {h.text}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
