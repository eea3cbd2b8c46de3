import { withAuth } from "@/lib/api/with-auth";
import { db } from "@/lib/db/client";
import { renderMetrics } from "@/lib/metrics/render-metrics";

// Not open: node names and roles are operational detail. Prometheus scrapes with
// `authorization: { credentials: $METRICS_TOKEN }`; a signed-in user can look too.
export const GET = withAuth({ role: "VIEWER", metricsToken: true }, async () => {
  return new Response(await renderMetrics({ prisma: db() }), {
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" },
  });
});
