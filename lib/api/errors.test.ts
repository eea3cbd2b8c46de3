import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../errors";
import { errorResponse, toAppError } from "./errors";

describe("errors -> HTTP", () => {
  it("the domain's AppError is the one error class, answered with its code's status", async () => {
    const err = toAppError(new AppError("PRECONDITION_FAILED", "node a is already active"));
    expect(err).toBeInstanceOf(AppError);
    const res = errorResponse(err);
    expect(res.status).toBe(409);
    expect(res.headers.get("retry-after")).toBeNull();
    expect(await res.json()).toEqual({ error: { code: "PRECONDITION_FAILED", message: "node a is already active" } });
  });

  it("says when to retry, in whole seconds", () => {
    expect(errorResponse(new AppError("CONFLICT", "claimed", 1500)).headers.get("retry-after")).toBe("2");
    expect(errorResponse(new AppError("CONFLICT", "claimed", 0)).headers.get("retry-after")).toBe("1");
  });

  it("maps schema violations, Prisma's codes and anything else", () => {
    expect(toAppError(z.object({ a: z.number() }).safeParse({ a: "x" }).error)).toMatchObject({ code: "VALIDATION", status: 422 });
    expect(toAppError(Object.assign(new Error("x"), { code: "P2025" }))).toMatchObject({ code: "NOT_FOUND", status: 404 });
    expect(toAppError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toMatchObject({ code: "DATABASE_UNAVAILABLE", status: 503 });
    expect(toAppError(new Error("secret detail"))).toMatchObject({ code: "INTERNAL", status: 500, message: "internal error" });
  });
});
