import { z } from "zod";
import { AuthError } from "../auth/auth-error";
import { ClusterError, type ClusterErrorCode } from "../cluster/errors";

/** Every error code the API returns, with its HTTP status. */
export const API_ERROR_STATUS = {
  BAD_REQUEST: 400, // malformed JSON
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409, // the state changed meanwhile, or another command is in flight
  PRECONDITION_FAILED: 409, // the request does not fit the cluster's current state
  INVALID: 422, // well-formed but unacceptable values
  VALIDATION: 422, // schema violations (zod)
  DATABASE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
  get status(): number {
    return API_ERROR_STATUS[this.code];
  }
}

const CLUSTER_CODES: Record<ClusterErrorCode, ApiErrorCode> = {
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  PRECONDITION_FAILED: "PRECONDITION_FAILED",
  INVALID: "INVALID",
};

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
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof z.ZodError) return new ApiError("VALIDATION", err.issues.slice(0, 5).map(describeIssue).join("; "));
  if (err instanceof ClusterError) return new ApiError(CLUSTER_CODES[err.code], err.message);
  if (err instanceof AuthError) return new ApiError(err.code, err.message);
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "P2025") return new ApiError("NOT_FOUND", "not found");
  if (code === "P2002") return new ApiError("CONFLICT", "already exists or conflicts with another change");
  if (isDatabaseUnreachable(err)) return new ApiError("DATABASE_UNAVAILABLE", "the database is unreachable; retrying");
  return new ApiError("INTERNAL", "internal error");
}

export function errorResponse(err: ApiError): Response {
  return Response.json({ error: { code: err.code, message: err.message } }, { status: err.status, headers: { "cache-control": "no-store" } });
}
