// Database URLs as libpq reads them, including several hosts and target_session_attrs, which
// node-postgres lacks: postgresql://user:pw@db1:5432,db2:5432/failover?target_session_attrs=read-write
// tries the hosts in order and keeps the first that accepts writes, so console, agents and scripts
// find the new primary after a database failover (Patroni and the like) by reconnecting.
import pg from "pg";
import { parse } from "pg-connection-string";

/** A one-line, human-readable reason a database URL cannot be used; thrown as Error.message. */
export class DatabaseUrlError extends Error {}

export type DatabaseTarget = {
  hosts: { host: string; port: number }[];
  /** target_session_attrs=read-write (or primary): only a server that accepts writes will do. */
  readWrite: boolean;
  /** The URL with only the first host: what pg parses for user, password, database and TLS. */
  firstHostUrl: string;
  /** "host:port,host:port/database", for messages (no credentials). */
  where: string;
};

const SESSION_ATTRS = new Set(["any", "read-write", "primary"]);

export function parseDatabaseTarget(url: string, variable = "DATABASE_URL"): DatabaseTarget {
  const m = /^(postgres(?:ql)?:\/\/)(?:([^@/?#]*)@)?([^/?#]*)(.*)$/.exec(url.trim());
  if (!m) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
    throw new DatabaseUrlError(
      scheme
        ? `${variable} must start with postgresql:// (got ${scheme}://)`
        : `${variable} is not a valid URL (expected postgresql://user:password@host:5432/database)`,
    );
  }
  const [, scheme, userinfo, hostList, rest] = m;
  const hosts = hostList.split(",").map((h) => {
    const hm = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(h);
    if (!hm) throw new DatabaseUrlError(h ? `${variable} has a bad host "${h}" (expected host or host:port)` : `${variable} has no host`);
    return { host: hm[1].replace(/^\[|\]$/g, ""), port: hm[2] ? Number(hm[2]) : 5432 };
  });
  const firstHostUrl = `${scheme}${userinfo !== undefined ? `${userinfo}@` : ""}${hostList.split(",")[0]}${rest}`;
  let parsed: URL;
  try {
    parsed = new URL(firstHostUrl);
  } catch {
    throw new DatabaseUrlError(`${variable} is not a valid URL (expected postgresql://user:password@host:5432/database)`);
  }
  const attrs = parsed.searchParams.get("target_session_attrs") ?? "any";
  if (!SESSION_ATTRS.has(attrs)) throw new DatabaseUrlError(`${variable}: target_session_attrs must be any, read-write or primary (got ${attrs})`);
  return { hosts, readWrite: attrs !== "any", firstHostUrl, where: `${hostList}${parsed.pathname}` };
}

// The host that last accepted a read-write session, per URL: tried first by the next connection.
const lastGood = new Map<string, number>();

/**
 * A pg.Client that connects to the first of the URL's hosts that answers (and accepts writes, when
 * asked). A pg.Client connects only once, so the hosts are probed with throwaway clients first,
 * and the chosen one is checked again after connecting (a failover may fall in between).
 */
function multiHostClient(target: DatabaseTarget, key: string): typeof pg.Client {
  const writable = async (client: pg.Client) =>
    !target.readWrite || (await client.query<{ transaction_read_only: string }>("SHOW transaction_read_only")).rows[0].transaction_read_only === "off";

  return class MultiHostClient extends pg.Client {
    private readonly settings: pg.ClientConfig;
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      this.settings = typeof config === "string" ? { connectionString: config } : { ...config };
      // pg-pool hands the password over as a non-enumerable property (kept out of logs and
      // inspection); a spread drops it, so it is put back the same way.
      if (typeof config !== "string") Object.defineProperty(this.settings, "password", { value: config?.password, enumerable: false });
    }

    // pg-pool calls connect(callback); everyone else awaits it.
    override connect(): Promise<pg.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
    override connect(callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): Promise<pg.Client> | void {
      const connecting = this.connectToTarget().then(() => this as pg.Client);
      if (!callback) return connecting;
      const cb = callback as (err: Error | null, c?: pg.Client) => void;
      connecting.then((c) => cb(null, c), cb);
    }

    private async connectToTarget(): Promise<void> {
      const timeoutMs = this.settings.connectionTimeoutMillis || 5_000;
      // Each host gets its share of the connect timeout: a silent one cannot use it all.
      const i = await this.probeHosts(Math.max(500, Math.floor(timeoutMs / target.hosts.length)));
      const { host, port } = target.hosts[i];
      this.host = host;
      this.port = port;
      Object.assign((this as unknown as { connectionParameters: object }).connectionParameters, { host, port });
      try {
        await super.connect();
        // A failover may fall between the probe and this connection.
        if (!(await withTimeout(writable(this as pg.Client), timeoutMs, `${host}:${port} did not answer`))) {
          throw new Error(`${host}:${port} became read-only while connecting (a database failover is under way)`);
        }
      } catch (err) {
        lastGood.delete(key);
        await closeQuietly(this);
        throw err;
      }
      lastGood.set(key, i);
    }

    /** The index of the first host that answers (and takes writes, when asked), the last good one tried first. */
    private async probeHosts(perHostMs: number): Promise<number> {
      const problems: string[] = [];
      const first = lastGood.get(key) ?? 0;
      for (const i of target.hosts.map((_, n) => (first + n) % target.hosts.length)) {
        const { host, port } = target.hosts[i];
        const probe = new pg.Client({ ...this.settings, password: this.settings.password, host, port, connectionTimeoutMillis: perHostMs });
        probe.on("error", () => {});
        try {
          await probe.connect();
          if (await withTimeout(writable(probe), perHostMs, "no answer")) return i;
          problems.push(`${host}:${port} is read-only`);
        } catch (err) {
          problems.push(`${host}:${port}: ${(err as Error).message.split("\n")[0]}`);
        } finally {
          await closeQuietly(probe);
        }
      }
      throw new Error(`no ${target.readWrite ? "read-write " : ""}server among ${target.where}: ${problems.join("; ")}`);
    }
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}

/** end() waits for the server's goodbye, which a silenced host never sends: give it 200 ms, then drop the socket. */
async function closeQuietly(client: pg.Client): Promise<void> {
  const ended = await withTimeout(
    client.end().then(() => true),
    200,
    "",
  ).catch(() => false);
  if (!ended) (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
}

/**
 * pg settings for a URL: as given for one host without target_session_attrs (the common case,
 * unchanged); else the first host's URL with a client class that picks the host.
 */
export function pgConfig<T extends pg.ClientConfig>(url: string, extra: T): T & { connectionString?: string; Client?: typeof pg.Client } {
  const target = parseDatabaseTarget(url);
  if (target.hosts.length === 1 && !target.readWrite) return { ...extra, connectionString: url };
  // Fields, not a connectionString: pg lets a connectionString override the host chosen per connection.
  const fields = parse(target.firstHostUrl) as pg.ClientConfig;
  return { ...extra, ...fields, Client: multiHostClient(target, url) };
}

/** One client for the URL (several hosts and target_session_attrs honoured). */
export function createClient(url: string, extra: pg.ClientConfig = {}): pg.Client {
  const { Client = pg.Client, ...config } = pgConfig(url, extra);
  return new Client(config);
}
