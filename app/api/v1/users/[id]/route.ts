import { updateUserSchema, userParamsSchema } from "@/lib/api/schemas";
import { readJson, withAuth } from "@/lib/api/with-auth";
import { updateUser } from "@/lib/auth/update-user";
import { db } from "@/lib/db/client";

export const PATCH = withAuth<{ id: string }>({ role: "ADMIN" }, async ({ req, params, user }) => {
  const { id } = userParamsSchema.parse(params);
  const changes = await readJson(req, updateUserSchema);
  return updateUser({ prisma: db(), actor: user.actor, userId: id, changes });
});
