// The CLI's calls to /api/v1: the bearer token, a timeout, answers checked against the documented
// response schemas, and every failure turned into a CliError with its exit code.
import type { z } from "zod";
import { ApiClientError, readApiResponse } from "../lib/api/client-fetch";
import { CliError, EXIT, type ExitCode } from "./exit-codes";

export type Connection = { url: string; token: string };

const REQUEST_TIMEOUT_MS = 15_000;

const EXIT_BY_STATUS: Record<number, ExitCode> = { 401: EXIT.AUTH, 403: EXIT.AUTH, 404: EXIT.NOT_FOUND, 503: EXIT.UNREACHABLE };

export type ApiClient = {
  call<S extends z.ZodType>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, schema: S, body?: unknown): Promise<z.output<S>>;
};

export function apiClient({ url, token }: Connection): ApiClient {
  return {
    async call(method, path, schema, body) {
      let res: Response;
      try {
        res = await fetch(new URL(path, url), {
          method,
          headers: { authorization: `Bearer ${token}`, accept: "application/json", ...(body !== undefined ? { "content-type": "application/json" } : {}) },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          redirect: "manual",
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (err) {
        throw new CliError(EXIT.UNREACHABLE, `cannot reach the console at ${url}: ${networkReason(err)}`);
      }
      try {
        return await readApiResponse(res, schema);
      } catch (err) {
        if (!(err instanceof ApiClientError)) throw err;
        throw describeRefusal(err, url);
      }
    },
  };
}

function networkReason(err: unknown): string {
  if (err instanceof DOMException && err.name === "TimeoutError") return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.message ?? cause?.code ?? (err as Error).message;
}

function describeRefusal(err: ApiClientError, url: string): CliError {
  if (err.code === "BAD_ANSWER") return new CliError(EXIT.BAD_ANSWER, `${err.message}; is ${url} the console's URL?`);
  if (err.status >= 300 && err.status < 400)
    return new CliError(EXIT.BAD_ANSWER, `the answer is a redirect (HTTP ${err.status}); is ${url} the console's URL?`);
  if (err.status === 401) return new CliError(EXIT.AUTH, `the console refused the token (revoked, expired or mistyped): ${err.message}`);
  if (err.status === 403) return new CliError(EXIT.AUTH, `not allowed: ${err.message}`);
  // A cluster of several services addressed without one: the operator left out an argument.
  if (err.status === 422 && / has several services \(.*\): say which one \(service\)$/.test(err.message))
    return new CliError(EXIT.USAGE, err.message.replace(/\(service\)$/, "(--service NAME)"));
  return new CliError(EXIT_BY_STATUS[err.status] ?? EXIT.FAILED, err.message);
}
