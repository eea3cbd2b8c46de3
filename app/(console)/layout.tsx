import { ConnectionBanner } from "@/components/connection-banner";
import { NavBar } from "@/components/nav-bar";
import { Providers } from "@/components/providers";
import { requirePageUser } from "@/lib/auth/page-user";

export const dynamic = "force-dynamic";

/** Every console page: signed in, or sent to the sign-in page (each page checks again itself: see requirePageUser). */
export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const user = await requirePageUser();
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
