import { createUserSchema } from "@/lib/api/schemas";
import { jsonResponse } from "@/lib/api/json";
import { withAuth } from "@/lib/api/with-auth";
import { createUser } from "@/lib/auth/create-user";
import { listUsers } from "@/lib/auth/list-users";
import { db } from "@/lib/db/client";

export const GET = withAuth({ role: "ADMIN" }, async () => ({ users: await listUsers({ prisma: db() }) }));

export const POST = withAuth({ role: "ADMIN", body: createUserSchema }, async ({ body, user }) =>
  jsonResponse(await createUser({ prisma: db(), actorEmail: user.email, ...body }), { status: 201 }),
);
