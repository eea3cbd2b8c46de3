"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";

export function SignInForm({ callbackUrl }: { callbackUrl: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const field = "mt-1 w-full rounded border border-slate-400 px-3 py-2 text-base";
  return (
    <form
      className="space-y-4"
      onSubmit={async (e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        setPending(true);
        setError(null);
        try {
          const res = await signIn("credentials", { email: text(form.get("email")), password: text(form.get("password")), redirect: false });
          if (res?.ok && !res.error) window.location.assign(callbackUrl);
          else setError("Wrong email or password.");
        } catch {
          setError("The console could not be reached. Try again.");
        } finally {
          setPending(false);
        }
      }}
    >
      <label className="block font-medium">
        Email
        <input name="email" type="email" autoComplete="username" required maxLength={255} autoFocus className={field} />
      </label>
      <label className="block font-medium">
        Password
        <input name="password" type="password" autoComplete="current-password" required maxLength={200} className={field} />
      </label>
      {error && (
        <p role="alert" className="rounded bg-red-50 p-2 font-medium text-red-800 ring-1 ring-red-600">
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded bg-sky-700 px-4 py-2 text-lg font-semibold text-white hover:bg-sky-800 focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:opacity-60"
      >
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

/** A text field's value (FormData entries may also be files; this form has none). */
function text(value: FormDataEntryValue | null): string {
  return typeof value === "string" ? value : "";
}
