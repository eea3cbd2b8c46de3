/** A refused user or token operation; lib/api/errors.ts maps the code to the HTTP status. */
export class AuthError extends Error {
  constructor(
    readonly code: "NOT_FOUND" | "CONFLICT" | "FORBIDDEN" | "INVALID",
    message: string,
  ) {
    super(message);
    this.name = "AuthError";
  }
}
