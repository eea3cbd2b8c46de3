import { callApi } from "../support/api-client";
import { z } from "zod";

/** An API token made the way an operator makes one: POST /api/v1/tokens, signed in. */
export async function createToken(baseUrl: string, cookie: string, role: "VIEWER" | "OPERATOR" | "ADMIN", name = `cli ${role}`) {
  const res = await callApi(baseUrl, cookie, { method: "POST", path: "/api/v1/tokens", body: { name, role } });
  if (res.status !== 201) throw new Error(`token creation failed: ${res.status} ${res.text}`);
  return z.object({ id: z.uuid(), secret: z.string() }).parse(res.body);
}

export async function revokeToken(baseUrl: string, cookie: string, id: string) {
  const res = await callApi(baseUrl, cookie, { method: "DELETE", path: `/api/v1/tokens/${id}` });
  if (res.status !== 200) throw new Error(`token revocation failed: ${res.status} ${res.text}`);
}
