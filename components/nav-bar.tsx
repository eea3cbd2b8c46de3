"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { useSessionUser } from "./providers";

const LINKS = [
  { href: "/", label: "Clusters" },
  { href: "/audit", label: "Audit log" },
  { href: "/tokens", label: "API tokens" },
  { href: "/users", label: "Users", role: "ADMIN" },
  { href: "/notifications", label: "Notifications", role: "ADMIN" },
];

export function NavBar() {
  const user = useSessionUser();
  const pathname = usePathname();
  return (
    <header className="border-b border-slate-700 bg-slate-900 text-slate-100">
      <nav aria-label="Main" className="mx-auto flex max-w-6xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3">
        <Link href="/" className="text-lg font-bold tracking-tight focus-visible:outline-2 focus-visible:outline-sky-400">
          Failover Console
        </Link>
        <ul className="flex gap-4">
          {LINKS.filter((l) => !l.role || l.role === user.role).map((l) => {
            const current = l.href === "/" ? pathname === "/" || pathname.startsWith("/clusters") : pathname.startsWith(l.href);
            return (
              <li key={l.href}>
                <Link
                  href={l.href}
                  aria-current={current ? "page" : undefined}
                  className={`rounded px-2 py-1 hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-sky-400 ${current ? "bg-slate-700 font-semibold" : ""}`}
                >
                  {l.label}
                </Link>
              </li>
            );
          })}
        </ul>
        <div className="ml-auto flex items-center gap-3 text-sm">
          <span>
            {user.email} <span className="rounded bg-slate-700 px-1.5 py-0.5 text-xs uppercase">{user.role.toLowerCase()}</span>
          </span>
          <button
            type="button"
            onClick={() => signOut({ callbackUrl: "/signin" })}
            className="rounded border border-slate-500 px-2 py-1 hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-sky-400"
          >
            Sign out
          </button>
        </div>
      </nav>
    </header>
  );
}
