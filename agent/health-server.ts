import http from "node:http";
import type { AddressInfo } from "node:net";

export type HealthStatus = {
  cluster: string;
  service: string;
  node: string;
  role: "ACTIVE" | "STANDBY";
  epoch: string | null;
  leaseRemainingMs: number | null;
  databaseReachable: boolean;
  lastHeartbeatOkMsAgo: number | null;
  /** How long the agent's last successful heartbeat took, start to answer, in ms: the database as this node sees it. */
  lastHeartbeatRoundTripMs: number | null;
};

/**
 * GET /health: 200 with the agent's view. GET /active: 200 only while this node may act as
 * active, else 503, for HAProxy / keepalived / cloud load balancer checks. An agent hosting several
 * services answers per service: GET /services/<name>/active and /services/<name>/health (also there
 * for one service); its /health lists them all, and /active, which would be ambiguous, is a 404.
 */
export async function startHealthServer(port: number, host: string, statuses: () => HealthStatus[]): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    // Anyone who reaches the port may send anything: whatever goes wrong answers 500, never ends the agent.
    try {
      answer(req, send);
    } catch {
      if (!res.headersSent) send(500, { error: "internal error" });
    }
  });
  const answer = (req: http.IncomingMessage, send: (code: number, body: unknown) => void) => {
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, { error: "method not allowed" });
    const path = (req.url ?? "/").split("?")[0];
    const all = statuses();
    const active = (s: HealthStatus) =>
      send(s.role === "ACTIVE" ? 200 : 503, { service: s.service, role: s.role, epoch: s.epoch, leaseRemainingMs: s.leaseRemainingMs });
    if (path === "/health") return send(200, all.length === 1 ? all[0] : { node: all[0].node, cluster: all[0].cluster, services: all });
    if (path === "/active") {
      if (all.length === 1) return active(all[0]);
      return send(404, { error: `this agent hosts several services (${all.map((s) => s.service).join(", ")}): use /services/<name>/active` });
    }
    const perService = /^\/services\/([A-Za-z0-9._-]{1,64})\/(active|health)$/.exec(path);
    if (perService) {
      // Matched against the service-name rule, never decoded: a malformed escape must not throw in here.
      const s = all.find((x) => x.service === perService[1]);
      if (!s) return send(404, { error: `no service ${perService[1]} here; this agent hosts ${all.map((x) => x.service).join(", ")}` });
      return perService[2] === "active" ? active(s) : send(200, s);
    }
    send(404, { error: all.length === 1 ? "not found; try /health or /active" : "not found; try /health or /services/<name>/active" });
  };
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
