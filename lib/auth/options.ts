import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { db } from "../db/client";
import type { UserRole } from "../db/client";
import { authorizeCredentials } from "./authorize-credentials";
import { endSessions } from "./end-sessions";

declare module "next-auth" {
  interface Session {
    user: { id: string; email: string; name: string; role: UserRole };
    /** When the session was issued (database clock, ms): checked against the user's sessionsValidAfter. */
    issuedAt?: number;
  }
  interface User {
    role: UserRole;
    issuedAtMs: number;
  }
}
declare module "next-auth/jwt" {
  interface JWT {
    uid?: string;
    role?: UserRole;
    issuedAtMs?: number;
  }
}

const credentialsSchema = z.object({ email: z.string().trim().min(3).max(255), password: z.string().min(1).max(200) });

/** Credentials against the User table, JWT sessions (no session table: consoles stay stateless). */
export const authOptions: NextAuthOptions = {
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/signin" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(raw) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        return authorizeCredentials({ prisma: db(), ...parsed.data });
      },
    }),
  ],
  events: {
    // JWT sessions are stateless: signing out also ends the user's other copies of the session
    // (a cookie copied off this browser stops working too) and is audited.
    async signOut({ token }) {
      if (!token?.uid) return;
      await endSessions({ prisma: db(), userId: token.uid, email: token.email ?? "" }).catch(() => {});
    },
  },
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.uid = user.id;
        token.role = user.role;
        token.issuedAtMs = user.issuedAtMs;
      }
      return token;
    },
    session({ session, token }) {
      session.user = { id: token.uid ?? "", email: token.email ?? "", name: token.name ?? "", role: token.role ?? "VIEWER" };
      session.issuedAt = token.issuedAtMs;
      return session;
    },
  },
};
