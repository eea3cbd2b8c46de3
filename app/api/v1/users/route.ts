import { createUserSchema } from "@/lib/api/schemas";
import { jsonResponse } from "@/lib/api/json";
import { withAuth } from "@/lib/api/with-auth";
import { createUser } from "@/lib/auth/create-user";
import { listUsers } from "@/lib/auth/list-users";
import { db } from "@/lib/db/client";

// Reading users is open to an ADMIN token; creating one needs a signed-in session: a leaked token
// could otherwise create an ADMIN with a password of its choosing, sign in as it and mint tokens
// that outlive its own revocation.
export const GET = withAuth({ role: "ADMIN" }, async () => ({ users: await listUsers({ prisma: db() }) }));

export const POST = withAuth({ role: "ADMIN", sessionOnly: true, body: createUserSchema }, async ({ body, user }) =>
  jsonResponse(await createUser({ prisma: db(), actorEmail: user.email, ...body }), { status: 201 }),
);
