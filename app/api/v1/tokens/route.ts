import { createTokenSchema } from "@/lib/api/schemas";
import { jsonResponse } from "@/lib/api/json";
import { withAuth } from "@/lib/api/with-auth";
import { createApiToken } from "@/lib/auth/create-api-token";
import { listApiTokens } from "@/lib/auth/list-api-tokens";
import { db } from "@/lib/db/client";

export const GET = withAuth({ role: "VIEWER" }, async ({ user }) => ({ tokens: await listApiTokens({ prisma: db(), userId: user.id }) }));

export const POST = withAuth({ role: "VIEWER", body: createTokenSchema }, async ({ body: { name, role }, user }) =>
  jsonResponse(await createApiToken({ prisma: db(), user, name, role }), { status: 201 }),
);
