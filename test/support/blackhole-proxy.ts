import net from "node:net";

export type BlackholeProxy = { port: number; blackhole(): void; restore(): void; close(): Promise<void> };

/**
 * A loopback TCP proxy that can model a network partition the way it hurts most: blackhole()
 * makes every open connection go silent for good (no data, no FIN, no RST, like a dropped NAT
 * entry) and new ones hang; restore() lets new connections through, while the old stay dead.
 */
export async function startBlackholeProxy(target: { host: string; port: number }): Promise<BlackholeProxy> {
  const open = new Set<net.Socket>();
  let dropping = false;
  const silence = (s: net.Socket) => {
    s.unpipe();
    s.pause();
  };
  const server = net.createServer((client) => {
    open.add(client);
    client.on("error", () => {});
    client.on("close", () => open.delete(client));
    if (dropping) return silence(client);
    const upstream = net.connect(target.port, target.host);
    open.add(upstream);
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => open.delete(upstream));
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    blackhole() {
      dropping = true;
      open.forEach(silence);
    },
    restore() {
      dropping = false;
    },
    async close() {
      open.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
