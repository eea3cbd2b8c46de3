import { openApiDocument } from "@/lib/api/openapi";
import { withAuth } from "@/lib/api/with-auth";

export const GET = withAuth({ role: "VIEWER" }, async () => openApiDocument());
