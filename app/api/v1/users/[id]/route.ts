import { updateUserSchema, userParamsSchema } from "@/lib/api/schemas";
import { withAuth } from "@/lib/api/with-auth";
import { updateUser } from "@/lib/auth/update-user";
import { db } from "@/lib/db/client";

export const PATCH = withAuth({ role: "ADMIN", params: userParamsSchema, body: updateUserSchema }, async ({ params, body, user }) =>
  updateUser({ prisma: db(), actor: user.actor, userId: params.id, changes: body }),
);
