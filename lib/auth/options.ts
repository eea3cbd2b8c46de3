import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { db } from "../db/client";
import type { UserRole } from "../db/client";
import { authorizeCredentials } from "./authorize-credentials";

declare module "next-auth" {
  interface Session {
    user: { id: string; email: string; name: string; role: UserRole };
    /** When the session was issued (JWT iat, seconds): checked against the user's sessionsValidAfter. */
    issuedAt?: number;
  }
  interface User {
    role: UserRole;
  }
}
declare module "next-auth/jwt" {
  interface JWT {
    uid?: string;
    role?: UserRole;
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
  callbacks: {
    jwt({ token, user }) {
      if (user) {
        token.uid = user.id;
        token.role = user.role;
      }
      return token;
    },
    session({ session, token }) {
      session.user = { id: token.uid ?? "", email: token.email ?? "", name: token.name ?? "", role: token.role ?? "VIEWER" };
      session.issuedAt = typeof token.iat === "number" ? token.iat : undefined;
      return session;
    },
  },
};
