"use client";
import { useEffect } from "react";

/** A page that failed to render (usually: the database is down) retries by itself every 2 s. */
export default function ConsoleError({ reset }: { error: Error; reset: () => void }) {
  useEffect(() => {
    const id = setInterval(reset, 2000);
    return () => clearInterval(id);
  }, [reset]);
  return (
    <div role="alert" className="rounded border-2 border-red-700 bg-red-50 p-4 text-red-900">
      <p className="font-semibold">This page could not be loaded: the database may be unreachable.</p>
      <p>Retrying every 2 seconds.</p>
      <button
        type="button"
        onClick={reset}
        className="mt-2 rounded bg-red-700 px-3 py-1.5 font-semibold text-white focus-visible:outline-3 focus-visible:outline-sky-600"
      >
        Retry now
      </button>
    </div>
  );
}
