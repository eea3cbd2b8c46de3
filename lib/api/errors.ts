// Anything a route handler throws -> AppError -> the HTTP response: the one place that decides.
import { z } from "zod";
import { AppError } from "../errors";

// Prisma codes (also produced by the pg driver adapter) meaning the database cannot be reached.
const UNREACHABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1011", "P1017", "P2037"]);
const UNREACHABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|Connection terminated|timeout exceeded when trying to connect|Can't reach database server|the database system is (starting up|shutting down)|terminating connection/i;

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.join(".") : "body";
  return `${where}: ${issue.message}`;
}

function isDatabaseUnreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && UNREACHABLE_PRISMA_CODES.has(code)) return true;
    if (typeof code === "string" && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|57P01|57P03)$/.test(code)) return true;
    if (e instanceof Error && UNREACHABLE_MESSAGE.test(e.message)) return true;
  }
  return false;
}

/** Maps anything thrown by a handler to a public error; unknown errors say nothing about internals. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof z.ZodError) return new AppError("VALIDATION", err.issues.slice(0, 5).map(describeIssue).join("; "));
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "P2025") return new AppError("NOT_FOUND", "not found");
  if (code === "P2002") return new AppError("CONFLICT", "already exists or conflicts with another change");
  if (isDatabaseUnreachable(err)) return new AppError("DATABASE_UNAVAILABLE", "the database is unreachable; retrying");
  return new AppError("INTERNAL", "internal error");
}

/** `{ error: { code, message } }` with the code's status, and Retry-After (seconds) when the error says when to retry. */
export function errorResponse(err: AppError): Response {
  const headers = new Headers({ "cache-control": "no-store" });
  if (err.retryAfterMs !== undefined) headers.set("retry-after", String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
  return Response.json({ error: { code: err.code, message: err.message } }, { status: err.status, headers });
}
