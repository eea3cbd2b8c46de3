"use client";
import { useState } from "react";

/** A password or token shown once: selectable, copyable, and said to be unrecoverable. */
export function OneTimeSecret({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <div role="status" className="rounded-lg border-2 border-amber-500 bg-amber-50 p-4">
      <p className="font-semibold">{label}: shown only this once. Store it now.</p>
      <div className="mt-2 flex flex-wrap gap-2">
        <input
          readOnly
          value={value}
          aria-label={label}
          onFocus={(e) => e.currentTarget.select()}
          className="min-w-0 flex-1 rounded border border-slate-400 bg-white px-2 py-1.5 font-mono"
        />
        <button
          type="button"
          onClick={async () => {
            await navigator.clipboard?.writeText(value).catch(() => undefined);
            setCopied(true);
          }}
          className="rounded border border-slate-600 bg-white px-3 py-1.5 font-medium focus-visible:outline-3 focus-visible:outline-sky-600"
        >
          {copied ? "Copied" : "Copy"}
        </button>
        <button
          type="button"
          onClick={onDone}
          className="rounded bg-slate-800 px-3 py-1.5 font-medium text-white focus-visible:outline-3 focus-visible:outline-sky-600"
        >
          Done
        </button>
      </div>
    </div>
  );
}
