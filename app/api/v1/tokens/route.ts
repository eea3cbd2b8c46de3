import { createTokenSchema } from "@/lib/api/schemas";
import { jsonResponse } from "@/lib/api/json";
import { withAuth } from "@/lib/api/with-auth";
import { createApiToken } from "@/lib/auth/create-api-token";
import { listApiTokens } from "@/lib/auth/list-api-tokens";
import { db } from "@/lib/db/client";

// Token management from a signed-in session only: a leaked token must not list, mint or revoke tokens.
export const GET = withAuth({ role: "VIEWER", sessionOnly: true }, async ({ user }) => ({ tokens: await listApiTokens({ prisma: db(), userId: user.id }) }));

export const POST = withAuth({ role: "VIEWER", sessionOnly: true, body: createTokenSchema }, async ({ body, user }) =>
  jsonResponse(await createApiToken({ prisma: db(), user, ...body }), { status: 201 }),
);
