import { z } from "zod";

// The console's sign-in and session settings, read from its environment (validated once; the
// launcher validates them at start too, so a bad value fails there with one line).
const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

const authEnvSchema = z
  .object({
    /** Absolute session lifetime: a session signed in longer ago is refused, however often renewed. */
    SESSION_LIFETIME_HOURS: z.coerce.number().positive().max(8_760).default(12),
    /** The header a reverse proxy in front of the console sets to the client's address (its last entry is used). */
    TRUSTED_PROXY_HEADER: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9-]+$/, "a header name")
      .optional(),
    OIDC_ISSUER: z.url().optional(),
    OIDC_CLIENT_ID: z.string().trim().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    /** The sign-in button's label. */
    OIDC_NAME: z.string().trim().min(1).max(60).default("Single sign-on"),
    OIDC_SCOPES: z.string().trim().min(1).default("openid email profile"),
    /** The ID token claim holding the user's groups (a list or a string). */
    OIDC_ROLE_CLAIM: z.string().trim().min(1).default("groups"),
    OIDC_ADMIN_GROUPS: list,
    OIDC_OPERATOR_GROUPS: list,
    OIDC_VIEWER_GROUPS: list,
  })
  .refine(
    (e) => [e.OIDC_ISSUER, e.OIDC_CLIENT_ID, e.OIDC_CLIENT_SECRET].every((v) => v === undefined) || (e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET),
    {
      message: "set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together",
      path: ["OIDC_ISSUER"],
    },
  );

export type AuthEnv = z.infer<typeof authEnvSchema>;

/** Parses the sign-in settings; throws one line naming every bad variable. */
export function parseAuthEnv(env: Record<string, string | undefined> = process.env): AuthEnv {
  const blank = (v: string | undefined) => (v === "" ? undefined : v);
  const result = authEnvSchema.safeParse(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, blank(v)])));
  if (!result.success) throw new Error(`bad configuration: ${result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`);
  return result.data;
}

let cached: AuthEnv | undefined;
/** The console process's own settings (its environment does not change while it runs). */
export const authEnv = (): AuthEnv => (cached ??= parseAuthEnv());
