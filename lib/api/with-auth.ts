import { timingSafeEqual } from "node:crypto";
import { getToken } from "next-auth/jwt";
import type { NextRequest } from "next/server";
import { z } from "zod";
import type { UserRole } from "../db/client";
import { authenticateApiToken } from "../auth/authenticate-api-token";
import { loadSessionUser } from "../auth/load-session-user";
import { hasRole } from "../auth/roles";
import { db } from "../db/client";
import { userActor } from "../cluster/audit-actions";
import { ApiError, errorResponse, toApiError } from "./errors";
import { jsonResponse } from "./json";

export type ApiUser = { id: string; email: string; role: UserRole; actor: string; via: "session" | "token" | "metrics-token" };

export type HandlerContext<P> = { req: NextRequest; params: P; user: ApiUser };

type RouteContext<P> = { params: Promise<P> };

/**
 * Who is calling: an API token (`Authorization: Bearer fct_...`) or the session cookie, with role
 * and status as the database has them now; or null. A bearer header that is not a valid token is
 * refused outright, never silently replaced by the cookie.
 */
export async function requestUser(req: NextRequest): Promise<ApiUser | null> {
  const bearer = req.headers.get("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer !== undefined) {
    const user = await authenticateApiToken({ prisma: db(), secret: bearer });
    return user ? { id: user.id, email: user.email, role: user.role, actor: userActor(user.email), via: "token" } : null;
  }
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  if (!token?.uid) return null;
  const user = await loadSessionUser({ prisma: db(), userId: token.uid, issuedAt: token.issuedAtMs });
  return user ? { ...user, actor: userActor(user.email), via: "session" } : null;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF: a cookie-authenticated mutation must come from the console's own origin. Browsers send
 * Origin on every cross-site POST/PATCH/DELETE; bearer tokens are not ambient, so need no check.
 */
function checkSameOrigin(req: NextRequest) {
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.headers.get("origin");
  const allowed = new Set([req.nextUrl.origin]);
  if (process.env.NEXTAUTH_URL) allowed.add(new URL(process.env.NEXTAUTH_URL).origin);
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  if (host) allowed.add(`${req.headers.get("x-forwarded-proto") ?? req.nextUrl.protocol.replace(":", "")}://${host}`);
  if (!origin || !allowed.has(origin)) throw new ApiError("FORBIDDEN", "cross-site request refused (missing or foreign Origin header)");
}

/** `Authorization: Bearer $METRICS_TOKEN`, compared in constant time; false when no token is configured. */
function hasMetricsToken(req: NextRequest): boolean {
  const expected = process.env.METRICS_TOKEN;
  const given = req.headers.get("authorization")?.match(/^Bearer (.+)$/)?.[1];
  if (!expected || !given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const METRICS_SCRAPER: ApiUser = { id: "", email: "metrics-scraper", role: "VIEWER", actor: "system", via: "metrics-token" };

export type WithAuthOptions = {
  role: UserRole;
  /** Also accept the METRICS_TOKEN bearer token (read-only scrapers such as Prometheus). */
  metricsToken?: boolean;
};

/**
 * The one guard around every API route: a session with at least `role`, then the handler; every
 * error leaves through toApiError. A handler returns a Response, or a value sent as JSON (200).
 */
export function withAuth<P = Record<string, never>>(options: WithAuthOptions, handler: (ctx: HandlerContext<P>) => Promise<unknown>) {
  return async (req: NextRequest, context: RouteContext<P>): Promise<Response> => {
    try {
      const t0 = performance.now();
      const user = options.metricsToken && hasMetricsToken(req) ? METRICS_SCRAPER : await requestUser(req);
      if (!user) throw new ApiError("UNAUTHENTICATED", "sign in first (or send a valid API token)");
      if (user.via === "session") checkSameOrigin(req);
      if (!hasRole(user.role, options.role)) throw new ApiError("FORBIDDEN", `requires the ${options.role} role`);
      const t1 = performance.now();
      const result = await handler({ req, params: await context.params, user });
      const response = result instanceof Response ? result : jsonResponse(result);
      // Where the time went, for browser dev tools and the benchmarks: a slow answer with small
      // figures here was waiting for CPU or the network, not for the console's work.
      response.headers.set("Server-Timing", `auth;dur=${(t1 - t0).toFixed(1)}, handler;dur=${(performance.now() - t1).toFixed(1)}`);
      return response;
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.code === "INTERNAL") console.error(`${req.method} ${req.nextUrl.pathname} failed:`, err);
      return errorResponse(apiError);
    }
  };
}

/**
 * Parses a JSON body with a schema: 400 when the body is not JSON (or not sent as JSON, which also
 * keeps cross-site form posts out), 422 when it does not match.
 */
export async function readJson<S extends z.ZodType>(req: NextRequest, schema: S, { optional = false } = {}): Promise<z.infer<S>> {
  const text = await req.text();
  // An optional body may be absent, whatever Content-Type the client's library sets by default.
  if (optional && text.trim() === "") return schema.parse({});
  if (!/^application\/json\b/i.test(req.headers.get("content-type") ?? "")) throw new ApiError("BAD_REQUEST", "send the body as application/json");
  if (text.length > 16_384) throw new ApiError("BAD_REQUEST", "body too large");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError("BAD_REQUEST", "malformed JSON");
  }
  return schema.parse(body);
}

/** Parses route params or query values with a schema (422 on mismatch). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  return schema.parse(value);
}
