import { ApiClientError } from "@/lib/api/client-fetch";

export function LoadingState({ label }: { label: string }) {
  return (
    <p role="status" className="animate-pulse rounded border border-slate-200 bg-white p-6 text-slate-600">
      Loading {label}…
    </p>
  );
}

export function ErrorState({ error, what }: { error: unknown; what: string }) {
  const message = error instanceof ApiClientError ? error.message : "the console could not be reached";
  return (
    <div role="alert" className="rounded border-2 border-red-700 bg-red-50 p-4 text-red-900">
      <p className="font-semibold">Could not load {what}.</p>
      <p>{message}. Retrying automatically.</p>
    </div>
  );
}

/** A failed action (mutation), shown above the form or table it came from. */
export function ActionError({ message }: { message: string }) {
  return (
    <p role="alert" className="rounded bg-red-50 p-3 font-medium text-red-900 ring-1 ring-red-600">
      {message}
    </p>
  );
}
