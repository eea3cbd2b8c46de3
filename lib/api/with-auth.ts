import { timingSafeEqual } from "node:crypto";
import { getToken } from "next-auth/jwt";
import type { NextRequest } from "next/server";
import { z } from "zod";
import type { UserRole } from "../db/client";
import { loadSessionUser } from "../auth/load-session-user";
import { hasRole } from "../auth/roles";
import { db } from "../db/client";
import { userActor } from "../cluster/audit-actions";
import { ApiError, errorResponse, toApiError } from "./errors";
import { jsonResponse } from "./json";

export type ApiUser = { id: string; email: string; role: UserRole; actor: string };

export type HandlerContext<P> = { req: NextRequest; params: P; user: ApiUser };

type RouteContext<P> = { params: Promise<P> };

/** The signed-in user of a request (JWT cookie), with role and status as the User table has them now; or null. */
export async function requestUser(req: NextRequest): Promise<ApiUser | null> {
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  if (!token?.uid) return null;
  const user = await loadSessionUser({ prisma: db(), userId: token.uid });
  return user ? { ...user, actor: userActor(user.email) } : null;
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

const METRICS_SCRAPER: ApiUser = { id: "", email: "metrics-scraper", role: "VIEWER", actor: "system" };

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
      const user = options.metricsToken && hasMetricsToken(req) ? METRICS_SCRAPER : await requestUser(req);
      if (!user) throw new ApiError("UNAUTHENTICATED", "sign in first");
      if (!hasRole(user.role, options.role)) throw new ApiError("FORBIDDEN", `requires the ${options.role} role`);
      const result = await handler({ req, params: await context.params, user });
      return result instanceof Response ? result : jsonResponse(result);
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
export async function readJson<S extends z.ZodType>(req: NextRequest, schema: S): Promise<z.infer<S>> {
  if (!/^application\/json\b/i.test(req.headers.get("content-type") ?? "")) throw new ApiError("BAD_REQUEST", "send the body as application/json");
  const text = await req.text();
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
