import { getServerSession } from "next-auth";
import { redirect } from "next/navigation";
import { ConnectionBanner } from "@/components/connection-banner";
import { NavBar } from "@/components/nav-bar";
import { Providers } from "@/components/providers";
import { loadSessionUser } from "@/lib/auth/load-session-user";
import { authOptions } from "@/lib/auth/options";
import { db } from "@/lib/db/client";

export const dynamic = "force-dynamic";

/** Every console page: signed in, or sent to the sign-in page. */
export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const session = await getServerSession(authOptions);
  const user = session?.user?.id ? await loadSessionUser({ prisma: db(), userId: session.user.id, issuedAt: session.issuedAt }) : null;
  if (!user) redirect("/signin");
  return (
    <Providers user={{ email: user.email, role: user.role }}>
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:p-2">
        Skip to content
      </a>
      <NavBar />
      <ConnectionBanner />
      <main id="main" className="mx-auto max-w-6xl px-4 py-6">
        {children}
      </main>
    </Providers>
  );
}
