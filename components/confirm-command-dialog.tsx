"use client";
import { useEffect, useId, useRef, useState } from "react";
import type { ClusterDetailJson } from "@/lib/api/api-types";
import { describeCommand, type PlannedCommand } from "./describe-command";

type Props = {
  planned: PlannedCommand | null;
  detail: ClusterDetailJson;
  pending: boolean;
  error: string | null;
  /** ADMIN: may force a switchover or promote onto a target whose checks fail. */
  canForce: boolean;
  onConfirm: (reason: string, force: boolean) => void;
  onClose: () => void;
};

/** A modal <dialog>: focus moves in and is trapped, Escape cancels, focus returns on close. */
export function ConfirmCommandDialog({ planned, detail, pending, error, canForce, onConfirm, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [reason, setReason] = useState("");
  const [force, setForce] = useState(false);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (planned && !dialog.open) {
      setReason("");
      setForce(false);
      dialog.showModal();
      // Focus starts on Cancel: a stray Enter at 3 a.m. must not change roles.
      cancelRef.current?.focus();
    } else if (!planned && dialog.open) dialog.close();
  }, [planned]);

  const text = planned ? describeCommand(planned, detail) : null;
  const danger = planned?.kind !== "SWITCHOVER" || (text?.force !== undefined && force);
  // A target whose checks fail: only a forced command goes through, and only an ADMIN may force.
  const refused = text?.force !== undefined && !(canForce && force);
  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onClose={onClose}
      className="m-auto w-[min(36rem,calc(100vw-2rem))] rounded-lg border-2 border-slate-800 bg-white p-0 text-slate-900 shadow-2xl backdrop:bg-slate-900/70"
    >
      {text && (
        <form
          method="dialog"
          className="p-5"
          onSubmit={(e) => {
            e.preventDefault();
            if (!refused) onConfirm(reason, text.force !== undefined && force);
          }}
        >
          <h2 id={titleId} className="text-xl font-bold">
            {text.title}
          </h2>
          <div id={bodyId}>
            <p className="mt-3 rounded bg-amber-50 p-3 text-lg font-semibold text-slate-900 ring-1 ring-amber-400">{text.consequence}</p>
            {text.notes.map((n) => (
              <p key={n} className="mt-2 text-slate-700">
                {n}
              </p>
            ))}
          </div>
          <label className="mt-4 block text-sm font-medium" htmlFor={`${titleId}-reason`}>
            Reason (optional, goes into the audit log)
          </label>
          <input
            id={`${titleId}-reason`}
            value={reason}
            maxLength={500}
            onChange={(e) => setReason(e.target.value)}
            className="mt-1 w-full rounded border border-slate-400 px-2 py-1.5"
            placeholder="e.g. patching node-a"
          />
          {text.force !== undefined &&
            (canForce ? (
              <label className="mt-4 flex items-start gap-2 rounded bg-red-50 p-3 text-sm font-medium text-red-900 ring-1 ring-red-600">
                <input type="checkbox" className="mt-0.5 h-4 w-4" checked={force} onChange={(e) => setForce(e.target.checked)} />
                <span>
                  Force: {planned?.kind === "PROMOTE" ? "promote" : "switch over to"} {planned?.target.name} although {text.force} (audited as forced)
                </span>
              </label>
            ) : (
              <p className="mt-4 rounded bg-slate-100 p-3 text-sm text-slate-800">Only an ADMIN may force a command onto a node whose checks fail.</p>
            ))}
          {error && (
            <p role="alert" className="mt-3 rounded bg-red-50 p-2 font-medium text-red-800 ring-1 ring-red-600">
              {error}
            </p>
          )}
          <div className="mt-5 flex flex-wrap justify-end gap-3">
            <button
              ref={cancelRef}
              type="button"
              onClick={onClose}
              className="rounded border border-slate-500 px-4 py-2 font-medium hover:bg-slate-100 focus-visible:outline-3 focus-visible:outline-sky-600"
            >
              Cancel
            </button>
            <button
              type="submit"
              disabled={pending || refused}
              className={`rounded px-4 py-2 font-semibold text-white focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:opacity-60 ${danger ? "bg-red-700 hover:bg-red-800" : "bg-sky-700 hover:bg-sky-800"}`}
            >
              {pending ? "Sending…" : text.force !== undefined && force ? `Force: ${text.confirm}` : text.confirm}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
