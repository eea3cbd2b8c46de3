// Request bodies are bounded while they arrive: an oversized or endless body is refused with 413
// without the console waiting for (or holding) the whole of it.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseState } from "../support/api-client";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";

type Answer = { status: number; body: string };

/** Sends `chunks` of a body (then leaves the request open unless `end`), resolving on the response. */
function post(url: string, headers: Record<string, string | number>, chunk: string, { repeat, end }: { repeat: number; end: boolean }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers }, (res) => {
      let body = "";
      res.on("data", (b: Buffer) => (body += b.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
        req.destroy();
      });
    });
    req.on("error", (err) => (err.message.includes("socket hang up") ? undefined : reject(err)));
    for (let i = 0; i < repeat; i++) req.write(chunk);
    if (end) req.end();
  });
}

describe("request body limit", () => {
  let bed: ConsoleTestbed;
  let admin: string;
  beforeAll(async () => {
    bed = await startConsoleTestbed();
    admin = await bed.signInAs("admin@example.com");
  });
  afterAll(async () => bed?.stop());
  const headers = () => ({ cookie: admin, origin: bed.server.url, "content-type": "application/json" });
  const url = () => `${bed.server.url}/api/v1/tokens`;

  it("answers 413 to a body that is still arriving once it passes the limit (never waits for its end)", async () => {
    const before = await databaseState(bed.t.prisma);
    const res = await post(url(), headers(), `{"name":"${"x".repeat(8_192)}`, { repeat: 8, end: false });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: { code: "PAYLOAD_TOO_LARGE", message: expect.stringMatching(/16384 bytes/) } });
    expect(await databaseState(bed.t.prisma)).toBe(before);
  }, 15_000);

  it("answers 413 from the declared Content-Length alone", async () => {
    const res = await post(url(), { ...headers(), "content-length": 10_000_000 }, "{", { repeat: 1, end: false });
    expect(res.status).toBe(413);
  }, 15_000);

  it("bounds the sign-in form's body too", async () => {
    const res = await post(
      `${bed.server.url}/api/auth/callback/credentials`,
      { "content-type": "application/x-www-form-urlencoded" },
      `email=${"x".repeat(8_192)}`,
      {
        repeat: 8,
        end: false,
      },
    );
    expect(res.status).toBe(413);
  }, 15_000);

  it("still takes a body just under the limit", async () => {
    const body = `{"name":"padded","role":"VIEWER"${" ".repeat(16_000)}}`;
    const res = await post(url(), { ...headers(), "content-length": Buffer.byteLength(body) }, body, { repeat: 1, end: true });
    expect(res.status).toBe(201);
  });
});
