"use client";
import { useNow } from "./use-now";

/** How old the data on screen is; turns into a warning once polls stop arriving. */
export function LiveIndicator({ updatedAt, isError }: { updatedAt: number; isError: boolean }) {
  const now = useNow(250);
  if (!updatedAt) return null;
  const age = Math.max(0, now - updatedAt);
  const stale = isError || age > 2500;
  return (
    <span
      className={`inline-flex items-center gap-1.5 text-sm ${stale ? "font-semibold text-red-700" : "text-slate-600"}`}
      aria-live="off"
      data-testid="live-indicator"
    >
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${stale ? "bg-red-600" : "bg-emerald-500"}`} />
      {stale ? `Stale: last update ${(age / 1000).toFixed(1)} s ago` : `Live · updated ${(age / 1000).toFixed(1)} s ago`}
    </span>
  );
}
