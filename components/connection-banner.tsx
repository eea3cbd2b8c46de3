"use client";
import { useConnectionState } from "./connection-status";
import { useNow } from "./use-now";
import { formatDuration } from "./format";

/** Shown while polls fail; disappears by itself with the first successful poll. */
export function ConnectionBanner() {
  const { problem, since } = useConnectionState();
  const now = useNow(1000);
  if (problem === "none") return null;
  const text =
    problem === "database"
      ? "Database unreachable: the console cannot read cluster state. Agents keep running on their own; what you see below may be out of date."
      : "Console server unreachable: check your network or the console process.";
  return (
    <div role="alert" className="sticky top-0 z-40 border-b-2 border-red-900 bg-red-700 px-4 py-3 text-white">
      <p className="mx-auto max-w-6xl font-semibold">
        {text} <span className="font-normal">Retrying automatically{since ? ` (for ${formatDuration(now - since)})` : ""}.</span>
      </p>
    </div>
  );
}
