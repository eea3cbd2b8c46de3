#!/usr/bin/env node
// cluster-agent: the node agent. Flags or environment variables (see USAGE); JSON log lines on stdout.
import { randomUUID } from "node:crypto";
import pkg from "../package.json" with { type: "json" };
import { AppError } from "../lib/errors";
import { checkDatabaseConnection } from "../lib/db/check-connection";
import { createPgPool, pgPoolSql } from "../lib/db/sql";
import { listenForCommands } from "./command-listener";
import { ConfigError, parseAgentConfig, USAGE } from "./config";
import { startHealthServer } from "./health-server";
import { createLogger, type Logger } from "./log";
import { NodeAgent } from "./node-agent";

function fail(message: string, code = 1): never {
  console.error(`cluster-agent: ${message}`);
  process.exit(code);
}

async function main() {
  let config;
  try {
    config = parseAgentConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`${err.message}\n(run with --help for usage)`, 2);
    throw err;
  }
  if (config === "help") {
    console.log(USAGE);
    return;
  }
  const log = createLogger({ cluster: config.cluster, node: config.node }, config.logLevel);
  await waitForDatabase(config.db, config.connectTimeoutMs, log);
  // Two connections per service beside the listener's: a beat and a hook's or check's record at once.
  const pool = createPgPool(config.db, 1 + 2 * config.services.length);
  const handles: { listener?: { close(): Promise<void> }; health?: { port: number; close(): Promise<void> } } = {};
  let shuttingDown = false;
  const shutdown = async (signal: string, code = 0) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info("stopping", { signal });
    // The agents first: they drain and release their leases; nothing below may hold that up.
    await Promise.all(agents.map((a) => a.stop()));
    setTimeout(() => process.exit(code), 3000).unref(); // the rest is cleanup: bounded
    await handles.listener?.close();
    await handles.health?.close();
    await Promise.race([pool.end().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    process.exit(code);
  };
  // One NodeAgent per service: each its own row, lease, workload and checks (a service is the unit
  // of the single-active protocol); they share this process, its pool and its listener.
  const several = config.services.length > 1;
  const agents = config.services.map(
    (s) =>
      new NodeAgent({
        db: pgPoolSql(pool),
        clusterName: config.cluster,
        service: s.service,
        mode: s.mode,
        minActive: s.minActive,
        nodeName: config.node,
        host: config.host,
        agentVersion: pkg.version,
        instanceId: randomUUID(),
        priority: s.priority,
        timings: { heartbeatMs: s.heartbeatMs, leaseMs: s.leaseMs, demoteTimeoutMs: s.demoteTimeoutMs },
        hooks: { promote: s.onPromote, demote: s.onDemote, timeoutMs: s.hookTimeoutMs },
        supervise: s.supervise,
        checks: { specs: s.checks, tuning: s.checkTuning },
        log: several || s.service !== "main" ? createLogger({ cluster: config.cluster, service: s.service, node: config.node }, config.logLevel) : log,
        onFatal: (message) => {
          log.error(message);
          void shutdown("fatal", 1);
        },
      }),
  );
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  try {
    // Every service registered before any runs: a refused one stops the process before any workload started.
    await Promise.all(agents.map((agent) => retryWhileUnreachable(() => registerOrWaitOnce(agent, log), config.connectTimeoutMs, log)));
  } catch (err) {
    if (err instanceof AppError) fail(err.message);
    throw err;
  }
  for (const agent of agents) agent.run();
  // A role change in one service wakes them all: placement counts the leases this server holds in
  // the others, so a standby of another service may have just become (or stopped being) the best.
  const wakeAll = () => agents.forEach((a) => a.wake());
  handles.listener = listenForCommands({ url: config.db, clusterIds: agents.map((a) => a.clusterId!), onWake: wakeAll, log });
  if (config.healthPort !== undefined) {
    const health = await startHealthServer(config.healthPort, config.healthHost, () => agents.map((a) => a.status()));
    handles.health = health;
    log.info("health endpoint listening", { port: health.port, paths: several ? ["/health", "/services/<name>/active"] : ["/health", "/active"] });
  }
}

/**
 * A node may boot before its database, or while it restarts: keep trying (one warning line per
 * attempt) unless --connect-timeout-ms says to give up. Refusals such as a duplicate node name
 * are not retried.
 */
async function retryWhileUnreachable<T>(fn: () => Promise<T>, timeoutMs: number, log: Logger): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError) throw err;
      const message = (err as Error).message.split("\n")[0];
      if (timeoutMs > 0 && Date.now() - started >= timeoutMs) throw new Error(message);
      log.warn("database unreachable; retrying", { attempt, error: message });
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * attempt)));
    }
  }
}

/**
 * A restart right after a crash finds the node's row still claimed by the dead process: wait once
 * for that claim to lapse. A live duplicate keeps heartbeating and is refused on the second try.
 */
async function registerOrWaitOnce(agent: NodeAgent, log: Logger) {
  try {
    await agent.register();
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== "CONFLICT" || err.retryAfterMs === undefined) throw err;
    log.warn("node name still claimed; waiting once for the claim to lapse", { waitMs: err.retryAfterMs, reason: err.message });
    await new Promise((r) => setTimeout(r, err.retryAfterMs));
    await agent.register();
  }
}

const waitForDatabase = (url: string, timeoutMs: number, log: Logger) =>
  retryWhileUnreachable(
    () => checkDatabaseConnection(url, { variable: "--db", timeoutMs: timeoutMs > 0 ? Math.min(timeoutMs, 5_000) : 5_000 }),
    timeoutMs,
    log,
  );

main().catch((err: Error) => fail(err.message.split("\n")[0]));
