/**
 * Every refusal the console raises (domain, users and tokens, the API layer), with the HTTP status
 * it answers with: the one table of codes. lib/api/errors.ts turns anything thrown into one of these
 * and into the response `{ error: { code, message } }`.
 */
export const ERROR_STATUS = {
  BAD_REQUEST: 400, // malformed JSON
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404, // no such cluster, node, command, user or token
  CONFLICT: 409, // the state changed meanwhile, or another command is in flight
  PRECONDITION_FAILED: 409, // the request does not fit the current state (e.g. promote the active node)
  PAYLOAD_TOO_LARGE: 413, // a request body past the limit (refused while it arrives)
  INVALID: 422, // well-formed but unacceptable values
  VALIDATION: 422, // schema violations (zod)
  DATABASE_UNAVAILABLE: 503,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** When the same request may succeed later (e.g. once a dead agent's lease has run out); sent as Retry-After. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "AppError";
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
