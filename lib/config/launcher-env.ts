import { z } from "zod";
import { parseAuthEnv } from "../auth/auth-env";
import { passwordSchema } from "../auth/password";

// Every variable the launcher (npm start / npm run demo) reads, validated once at start-up.
const launcherEnvSchema = z.object({
  DATABASE_URL: z.string().trim().min(1).optional(),
  PGDATA_DIR: z.string().trim().min(1).default(".data/postgres"),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOSTNAME: z.string().trim().min(1).default("localhost"),
  ADMIN_EMAIL: z.email().default("admin@example.com"),
  ADMIN_PASSWORD: passwordSchema.optional(),
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  NEXTAUTH_URL: z.url().optional(),
});

export type LauncherEnv = z.infer<typeof launcherEnvSchema>;

/** Parses the environment; throws one line naming every bad variable. */
export function readLauncherEnv(env: NodeJS.ProcessEnv = process.env): LauncherEnv {
  const blank = (v: string | undefined) => (v === "" ? undefined : v);
  const result = launcherEnvSchema.safeParse(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, blank(v)])));
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ");
    throw new Error(`bad configuration: ${problems}`);
  }
  parseAuthEnv(env); // the console's own sign-in settings (SESSION_LIFETIME_HOURS, OIDC_*): fail here, not at the first sign-in
  return result.data;
}
