import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { db } from "../db/client";
import type { UserRole } from "../db/client";
import { authEnv } from "./auth-env";
import { authorizeCredentials } from "./authorize-credentials";
import { endSessions } from "./end-sessions";
import { OIDC_PROVIDER_ID, oidcProvider, type OidcProfile } from "./oidc";
import { clientAddress } from "./sign-in-throttle";
import { ssoSignIn } from "./sso-sign-in";

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
    /** Set once at sign-in and carried over by every renewal: the session's absolute age (lib/auth/load-session-user.ts). */
    issuedAtMs?: number;
  }
}

const credentialsSchema = z.object({ email: z.string().trim().min(3).max(255), password: z.string().min(1).max(200) });

const env = authEnv();
const sso = oidcProvider(env);

/** Credentials against the User table, optionally single sign-on (OIDC); JWT sessions (no session table: consoles stay stateless). */
export const authOptions: NextAuthOptions = {
  // The cookie lasts no longer than the session may; renewals never extend issuedAtMs.
  session: { strategy: "jwt", maxAge: Math.round(env.SESSION_LIFETIME_HOURS * 3600) },
  pages: { signIn: "/signin", error: "/signin" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(raw, req) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        return authorizeCredentials({ prisma: db(), ...parsed.data, clientAddress: clientAddress(req?.headers) });
      },
    }),
    ...(sso ? [sso] : []),
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
    // Single sign-on: the provider's identity becomes the console's user (created on first sign-in);
    // false (no role, disabled, e-mail taken) sends the browser back to /signin?error=AccessDenied.
    async signIn({ user, account, profile }) {
      if (account?.provider !== OIDC_PROVIDER_ID) return true;
      const signedIn = await ssoSignIn({ prisma: db(), env, profile: profile as OidcProfile });
      if (!signedIn) return false;
      Object.assign(user, signedIn);
      return true;
    },
    jwt({ token, user }) {
      if (user) {
        token.uid = user.id;
        token.email = user.email;
        token.name = user.name;
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
