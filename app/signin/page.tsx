import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/sign-in-form";
import { authEnv } from "@/lib/auth/auth-env";
import { loadSessionUser } from "@/lib/auth/load-session-user";
import { authOptions } from "@/lib/auth/options";
import { db } from "@/lib/db/client";

export const metadata = { title: "Sign in · Failover Console" };

// Only same-site paths: an open redirect here would hand a signed-in session to anyone's link.
function safeCallback(value: string | string[] | undefined): string {
  const v = typeof value === "string" ? value : "";
  return v.startsWith("/") && !v.startsWith("//") && !v.startsWith("/\\") ? v : "/";
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { callbackUrl, error } = await searchParams;
  // Only a session whose user still exists and is enabled skips the form (else: sign in again).
  const session = await getServerSession(authOptions);
  const user = session?.user?.id ? await loadSessionUser({ prisma: db(), userId: session.user.id, issuedAt: session.issuedAt }).catch(() => null) : null;
  if (user) redirect(safeCallback(callbackUrl));
  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-900 p-4">
      <div className="w-full max-w-sm rounded-lg bg-white p-6 shadow-xl">
        <h1 className="mb-1 text-2xl font-bold">Failover Console</h1>
        <p className="mb-5 text-slate-600">Sign in to manage your clusters.</p>
        <SignInForm
          callbackUrl={safeCallback(callbackUrl)}
          ssoName={authEnv().OIDC_ISSUER ? authEnv().OIDC_NAME : null}
          error={typeof error === "string" ? error : null}
        />
      </div>
    </main>
  );
}
