"use client";
import { signIn } from "next-auth/react";
import { useState } from "react";

// next-auth's error codes (in ?error= after a redirect, or from signIn()) as the form says them.
const ERRORS: Record<string, string> = {
  CredentialsSignin: "Wrong email or password.",
  SignInBusy: "Too many sign-ins at this moment. Try again in a few seconds.",
  AccessDenied: "Single sign-on worked, but this identity has no access to the console (ask an administrator about its groups).",
};
const describeError = (code: string) => ERRORS[code] ?? "Single sign-on failed. Try again.";

/** Email and password; and a single sign-on button when an OIDC provider is configured (ssoName). */
export function SignInForm({ callbackUrl, ssoName, error: initialError }: { callbackUrl: string; ssoName: string | null; error: string | null }) {
  const [error, setError] = useState<string | null>(initialError && describeError(initialError));
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
          else setError(ERRORS[res?.error ?? ""] ?? ERRORS.CredentialsSignin);
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
      {ssoName && (
        <button
          type="button"
          onClick={() => void signIn("oidc", { callbackUrl })}
          className="w-full rounded border border-sky-700 bg-white px-4 py-2 text-lg font-semibold text-sky-800 hover:bg-sky-50 focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
        >
          Sign in with {ssoName}
        </button>
      )}
    </form>
  );
}

/** A text field's value (FormData entries may also be files; this form has none). */
function text(value: FormDataEntryValue | null): string {
  return typeof value === "string" ? value : "";
}
