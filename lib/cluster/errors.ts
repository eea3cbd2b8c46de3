/** Why a cluster operation was refused; lib/api maps each code to an HTTP status. */
export type ClusterErrorCode =
  | "NOT_FOUND" // no such cluster, node or command
  | "CONFLICT" // the state changed or another command is in progress
  | "PRECONDITION_FAILED" // the request makes no sense in the current state (e.g. promote the active node)
  | "INVALID"; // bad values

export class ClusterError extends Error {
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    /** When the same request may succeed later (e.g. once a dead agent's lease has run out). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "ClusterError";
  }
}
