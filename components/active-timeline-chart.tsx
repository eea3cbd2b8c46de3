"use client";
import type { ActiveTimelineJson } from "@/lib/api/api-types";
import { formatDuration, formatTime } from "./format";

// Distinct, colour-blind-friendly fills (Okabe-Ito), cycled per node; the label is written too.
const COLORS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000"];

/** One lane per node; a bar wherever that node was the active one (or served, for an active-active service). Gaps mean no active node. */
export function ActiveTimelineChart({ timeline, service }: { timeline: ActiveTimelineJson; service?: string }) {
  const id = `timeline-${timeline.cluster}${service ? `-${service}` : ""}`;
  const start = new Date(timeline.from).getTime();
  const end = new Date(timeline.to).getTime();
  const span = Math.max(1, end - start);
  const pct = (t: number) => `${(((t - start) / span) * 100).toFixed(3)}%`;
  const width = (a: number, b: number) => `${Math.max(0.3, ((b - a) / span) * 100).toFixed(3)}%`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => start + f * span);
  return (
    <figure aria-labelledby={id} className="rounded-lg border border-slate-300 bg-white p-4" data-service={service}>
      <figcaption id={id} className="mb-3 font-semibold">
        Active node of {timeline.cluster}
        {service && ` · service ${service}`}, {formatTime(timeline.from)} to {formatTime(timeline.to)}
      </figcaption>
      {timeline.nodes.length === 0 && <p className="text-slate-600">No nodes have been seen in this cluster.</p>}
      <div className="space-y-1.5" aria-hidden="true">
        {timeline.nodes.map((node, i) => (
          <div key={node} className="flex items-center gap-2">
            <span className="w-24 shrink-0 truncate text-right font-mono text-sm">{node}</span>
            <div className="relative h-6 flex-1 rounded bg-slate-100">
              {timeline.intervals
                .filter((iv) => iv.node === node)
                .map((iv) => {
                  const a = new Date(iv.from).getTime();
                  const b = new Date(iv.to).getTime();
                  return (
                    <div
                      key={iv.from}
                      title={`${node} active ${formatTime(iv.from)} – ${iv.ongoing ? "now" : formatTime(iv.to)} (epoch ${iv.epoch ?? "?"})`}
                      className="absolute top-0 h-full rounded-sm"
                      style={{ left: pct(a), width: width(a, b), background: COLORS[i % COLORS.length] }}
                    />
                  );
                })}
            </div>
          </div>
        ))}
        <div className="ml-26 flex justify-between pl-0 text-xs text-slate-600">
          {ticks.map((t) => (
            <span key={t}>{formatTime(new Date(t))}</span>
          ))}
        </div>
      </div>
      <details className="mt-3 text-sm">
        <summary className="cursor-pointer text-sky-800 underline">Intervals as text ({timeline.intervals.length})</summary>
        {timeline.intervals.length === 0 ? (
          <p className="mt-1">No node was active in this window.</p>
        ) : (
          <ol className="mt-1 list-inside list-decimal" data-testid="timeline-intervals">
            {timeline.intervals.map((iv) => (
              <li key={`${iv.node}-${iv.from}`}>
                {iv.node} active from {formatTime(iv.from)} {iv.ongoing ? "until now" : `to ${formatTime(iv.to)}`} (
                {formatDuration(new Date(iv.to).getTime() - new Date(iv.from).getTime())}, epoch {iv.epoch ?? "?"})
              </li>
            ))}
          </ol>
        )}
      </details>
    </figure>
  );
}
