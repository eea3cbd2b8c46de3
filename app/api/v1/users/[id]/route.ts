import { updateUserSchema, userParamsSchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { updateUser } from "@/lib/auth/update-user";
import { db } from "@/lib/db/client";

// From a signed-in session only: a leaked token must not set a user's password or role, sign in as
// them and mint tokens that outlive its own revocation.
export const PATCH = withAuth({ role: "ADMIN", sessionOnly: true, params: userParamsSchema, body: updateUserSchema }, async ({ params, body, user }) =>
  updateUser({ prisma: db(), actor: user.actor, userId: params.id, changes: body }),
);
