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
};

/**
 * GET /health: 200 with the agent's view. GET /active: 200 only while this node may act as
 * active, else 503, for HAProxy / keepalived / cloud load balancer checks.
 */
export async function startHealthServer(port: number, host: string, status: () => HealthStatus): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, { error: "method not allowed" });
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/health") return send(200, status());
    if (path === "/active") {
      const s = status();
      return send(s.role === "ACTIVE" ? 200 : 503, { role: s.role, epoch: s.epoch, leaseRemainingMs: s.leaseRemainingMs });
    }
    send(404, { error: "not found; try /health or /active" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
