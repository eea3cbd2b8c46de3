"use client";
import { useSyncExternalStore } from "react";
import { ApiClientError, isNetworkError } from "@/lib/api/client-fetch";

// What the last polling request said about the path to the database; drives the banner.
export type ConnectionState = { problem: "none" | "database" | "console"; since: number | null };

let state: ConnectionState = { problem: "none", since: null };
const listeners = new Set<() => void>();

function set(problem: ConnectionState["problem"]) {
  if (problem === state.problem) return;
  state = { problem, since: problem === "none" ? null : Date.now() };
  for (const l of listeners) l();
}

export function reportQuerySuccess() {
  set("none");
}

export function reportQueryError(err: unknown) {
  if (err instanceof ApiClientError && err.code === "DATABASE_UNAVAILABLE") set("database");
  else if (isNetworkError(err) || (err instanceof ApiClientError && err.status >= 502)) set("console");
}

export function useConnectionState(): ConnectionState {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => state,
    () => state,
  );
}
