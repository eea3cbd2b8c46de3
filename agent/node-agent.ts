import os from "node:os";
import type { Sql } from "../lib/db/sql";
import { agentActor, insertAudit } from "../lib/cluster/audit";
import { electActive } from "../lib/cluster/elect-active";
import { commandStep, demoteForCommand, loadOpenCommand, promoteForCommand, wakeCluster } from "../lib/cluster/execute-command";
import { expireOverdueCommands } from "../lib/cluster/expire-commands";
import { heartbeat, type HeartbeatResult } from "../lib/cluster/heartbeat";
import { registerNode, type RegisterNodeOptions } from "../lib/cluster/register-node";
import { releaseLease } from "../lib/cluster/release-lease";
import { fencingMarginMs, type Timings } from "../lib/cluster/timing";
import type { HealthStatus } from "./health-server";
import { runHook, type HookKind } from "./hooks";
import { monoNow, type Logger } from "./log";

/** What registration needs (cluster, node, host, version, instance, priority, timings), plus the agent's own. */
export type NodeAgentOptions = Omit<RegisterNodeOptions, "db"> & {
  /** The agent talks SQL through pg directly (see lib/db/sql.ts for why not Prisma). */
  db: Sql;
  hooks: { promote?: string; demote?: string; timeoutMs: number };
  log: Logger;
  /** Called when the agent must stop for good (its node row was removed or taken over). */
  onFatal(message: string): void;
};

const MS = 1_000_000n;

/**
 * One node's agent: heartbeats, holds or waits for the lease, takes part in elections and
 * commands. All role-changing decisions are lib/cluster transactions; this class only keeps the
 * local view honest: it believes it is active only until its monotonic deadline (renewal start
 * + lease - margin) and fences itself when that passes without a confirmed renewal.
 */
export class NodeAgent {
  private role: "ACTIVE" | "STANDBY" = "STANDBY";
  private epoch: bigint | null = null;
  private validUntil = 0n; // monotonic ns; meaningful while ACTIVE
  private fenceTimer: NodeJS.Timeout | undefined;
  private pendingFenceRecord: { epoch: bigint; reason: string } | null = null;
  private timings: Timings = { heartbeatMs: 1000, leaseMs: 5000 };
  private ids: { clusterId: string; nodeId: string } | null = null;
  private tickTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  private wakeAgain = false;
  private stopped = false;
  private lastDbOk: bigint | null = null;
  private dbReachable = true;
  private hookChain: Promise<unknown> = Promise.resolve();
  private announced: string | null = null; // command id this target has told the active about
  private readonly actor: string;

  constructor(private readonly o: NodeAgentOptions) {
    this.actor = agentActor(o.clusterName, o.nodeName);
  }

  get clusterId() {
    return this.ids?.clusterId ?? null;
  }

  async start(): Promise<void> {
    const { db, clusterName, nodeName, host, agentVersion, instanceId, priority, timings } = this.o;
    const reg = await registerNode({ db, clusterName, nodeName, host, agentVersion, instanceId, priority, timings });
    this.ids = { clusterId: reg.clusterId, nodeId: reg.nodeId };
    this.timings = { heartbeatMs: reg.heartbeatMs, leaseMs: reg.leaseMs };
    this.o.log.info("registered", { event: "role", role: "STANDBY", ...this.timings });
    void this.tick();
  }

  /** May this node act as active right now? Checked against the monotonic deadline, not a timer. */
  isActive(): boolean {
    return this.role === "ACTIVE" && monoNow() < this.validUntil;
  }

  status(): HealthStatus {
    const active = this.isActive();
    return {
      cluster: this.o.clusterName,
      node: this.o.nodeName,
      role: active ? "ACTIVE" : "STANDBY",
      epoch: this.epoch?.toString() ?? null,
      leaseRemainingMs: active ? Number((this.validUntil - monoNow()) / MS) : null,
      databaseReachable: this.dbReachable,
      lastHeartbeatOkMsAgo: this.lastDbOk === null ? null : Number((monoNow() - this.lastDbOk) / MS),
    };
  }

  /** Run a tick now (a notification arrived); coalesced with one in progress. */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.wakeAgain = true;
      return;
    }
    clearTimeout(this.tickTimer);
    void this.tick();
  }

  private schedule(ms: number) {
    if (this.stopped) return;
    clearTimeout(this.tickTimer);
    this.tickTimer = setTimeout(() => void this.tick(), Math.max(0, ms));
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.ticking || !this.ids) return;
    this.ticking = true;
    let next = this.timings.heartbeatMs;
    try {
      next = await this.step();
    } catch (err) {
      this.markDb(false, err);
    } finally {
      this.ticking = false;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        next = 0;
      }
      this.schedule(next);
    }
  }

  /** One beat; returns the delay until the next. */
  private async step(): Promise<number> {
    const { clusterId, nodeId } = this.ids!;
    const t0 = monoNow();
    const hb = await heartbeat({
      db: this.o.db,
      nodeId,
      instanceId: this.o.instanceId,
      activeEpoch: this.role === "ACTIVE" ? this.epoch : null,
      metrics: metrics(),
    });
    this.markDb(true);
    if (!hb) {
      this.demoteLocally("this node's row is no longer this agent's");
      this.o.onFatal(`${this.o.clusterName}/${this.o.nodeName} was removed from the cluster or taken over by another agent; stopping`);
      return this.timings.heartbeatMs;
    }
    this.applyTimings(hb);
    if (this.role === "ACTIVE") {
      if (!hb.renewed) this.demoteLocally(`lost the role in the database (cluster epoch is now ${hb.clusterEpoch})`);
      else if (monoNow() >= this.validUntil) this.fence("the lease deadline passed before the renewal was confirmed");
      else this.extendLease(t0);
    }
    if (this.pendingFenceRecord) await this.recordFence();
    if (hb.openCommand) await this.commandStep(clusterId, nodeId);
    else if (this.role === "STANDBY" && this.mayElect(hb) && hb.activeLeaseRemainingMs === null) await this.tryElect(clusterId, nodeId);
    // A standby that could take over wakes right when the active's lease lapses.
    if (this.role === "STANDBY" && this.mayElect(hb) && hb.activeLeaseRemainingMs !== null) {
      return Math.min(hb.heartbeatMs, hb.activeLeaseRemainingMs + 20);
    }
    return hb.heartbeatMs;
  }

  private mayElect(hb: HeartbeatResult) {
    return hb.failoverMode === "AUTOMATIC" && !hb.paused && !hb.maintenance;
  }

  private applyTimings(hb: HeartbeatResult) {
    if (hb.heartbeatMs !== this.timings.heartbeatMs || hb.leaseMs !== this.timings.leaseMs) {
      this.timings = { heartbeatMs: hb.heartbeatMs, leaseMs: hb.leaseMs };
      this.o.log.info("cluster timings changed", { ...this.timings });
    }
  }

  private async tryElect(clusterId: string, nodeId: string) {
    const t0 = monoNow();
    const result = await electActive({ db: this.o.db, clusterId, nodeId, instanceId: this.o.instanceId });
    if (result.elected) this.becomeActive(result.epoch, t0, "elected by automatic failover");
    else this.o.log.debug("not elected", { why: result.why });
  }

  private async commandStep(clusterId: string, nodeId: string) {
    const command = await loadOpenCommand({ db: this.o.db, clusterId });
    if (!command) return;
    if (command.overdue) {
      const n = await expireOverdueCommands({ db: this.o.db, clusterId, actor: this.actor });
      if (n) this.o.log.warn("command expired", { commandId: command.id, kind: command.kind });
      return;
    }
    const step = commandStep(command, { nodeId, active: this.isActive() });
    if (step === "demote") {
      const epoch = this.epoch!;
      this.demoteLocally(`stepping down for ${command.kind.toLowerCase()} (command ${command.id})`);
      await this.hookChain; // the old active's service stops before the row says so
      const { changed } = await demoteForCommand({ db: this.o.db, commandId: command.id, clusterId, nodeId, nodeName: this.o.nodeName, epoch });
      // The command moved on meanwhile (cancelled or expired): give the lease up all the same.
      if (!changed) await this.release(epoch, "shutdown", `stepped down for command ${command.id}, which was no longer pending`);
    } else if (step === "promote") {
      const t0 = monoNow();
      const result = await promoteForCommand({ db: this.o.db, commandId: command.id, clusterId, nodeId, instanceId: this.o.instanceId });
      if (result.promoted) return this.becomeActive(result.epoch, t0, `${command.kind.toLowerCase()} (command ${command.id})`);
      this.o.log.debug("promotion waits", { why: result.why });
      // This tick's heartbeat proved the target alive: tell the active now rather than at its next tick.
      if (this.announced !== command.id) {
        this.announced = command.id;
        await wakeCluster({ db: this.o.db, clusterId });
      }
    }
  }

  private becomeActive(epoch: bigint, t0: bigint, reason: string) {
    this.role = "ACTIVE";
    this.epoch = epoch;
    this.setDeadline(t0);
    this.o.log.info("became ACTIVE", { event: "role", role: "ACTIVE", epoch, validUntil: this.validUntil, reason });
    this.queueHook("promote", epoch);
  }

  private extendLease(t0: bigint) {
    this.setDeadline(t0);
    this.o.log.debug("lease renewed", { event: "lease", epoch: this.epoch, validUntil: this.validUntil });
  }

  private setDeadline(t0: bigint) {
    const { leaseMs } = this.timings;
    this.validUntil = t0 + BigInt(leaseMs - fencingMarginMs(this.timings)) * MS;
    clearTimeout(this.fenceTimer);
    const delay = Number((this.validUntil - monoNow()) / MS);
    this.fenceTimer = setTimeout(
      () => {
        if (this.role === "ACTIVE" && monoNow() >= this.validUntil) this.fence("could not renew the lease in time (database unreachable or process paused)");
      },
      Math.max(0, delay) + 1,
    );
  }

  /** Self-fencing: stop acting as active now; the audit row follows once the database answers. */
  private fence(reason: string) {
    const epoch = this.epoch!;
    this.demoteLocally(reason, "warn");
    this.pendingFenceRecord = { epoch, reason };
  }

  private demoteLocally(reason: string, level: "info" | "warn" = "info") {
    if (this.role !== "ACTIVE") return;
    const epoch = this.epoch;
    this.role = "STANDBY";
    this.epoch = null;
    clearTimeout(this.fenceTimer);
    this.o.log[level]("became STANDBY", { event: "role", role: "STANDBY", epoch, reason });
    this.queueHook("demote", epoch);
  }

  private async recordFence() {
    const { epoch, reason } = this.pendingFenceRecord!;
    await this.release(epoch, "self_fenced", reason);
    this.pendingFenceRecord = null;
  }

  private async release(epoch: bigint, why: "shutdown" | "self_fenced", reason: string) {
    const { clusterId, nodeId } = this.ids!;
    const { changed } = await releaseLease({
      db: this.o.db,
      clusterName: this.o.clusterName,
      nodeName: this.o.nodeName,
      clusterId,
      nodeId,
      epoch,
      why,
      reason,
    });
    this.o.log.info(why === "shutdown" ? "released the lease" : "self-fence recorded in the audit log", { epoch, rowChanged: changed });
  }

  private queueHook(kind: HookKind, epoch: bigint | null) {
    const command = kind === "promote" ? this.o.hooks.promote : this.o.hooks.demote;
    if (!command) return;
    this.hookChain = this.hookChain.then(async () => {
      const ctx = { cluster: this.o.clusterName, node: this.o.nodeName, epoch };
      const outcome = await runHook(command, kind, ctx, this.o.hooks.timeoutMs);
      if (outcome.ok) return this.o.log.info(`${kind} hook succeeded`, { ms: outcome.ms });
      this.o.log.error(`${kind} hook failed`, { ms: outcome.ms, error: outcome.error });
      await insertAudit(this.o.db, {
        actor: this.actor,
        action: "hook.failed",
        clusterId: this.ids?.clusterId,
        clusterName: this.o.clusterName,
        nodeId: this.ids?.nodeId,
        nodeName: this.o.nodeName,
        epoch,
        reason: `${kind} hook: ${outcome.error}`,
        details: { hook: kind, ms: outcome.ms }, // not the command line: it may carry credentials
      }).catch((err: Error) => this.o.log.error("could not audit the hook failure", { error: err.message }));
    });
  }

  private markDb(ok: boolean, err?: unknown) {
    if (ok) {
      if (!this.dbReachable) this.o.log.info("database reachable again");
      this.dbReachable = true;
      this.lastDbOk = monoNow();
    } else {
      if (this.dbReachable) this.o.log.warn("database unreachable", { error: String((err as Error)?.message ?? err).split("\n")[0] });
      this.dbReachable = false;
    }
  }

  /** Clean shutdown: an active node steps down, runs its demote hook and releases the lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.tickTimer);
    while (this.ticking) await new Promise((r) => setTimeout(r, 5));
    const epoch = this.epoch;
    const wasActive = this.isActive();
    this.demoteLocally("shutting down");
    await this.hookChain;
    if (wasActive && epoch !== null) {
      await this.release(epoch, "shutdown", "agent stopped (SIGTERM)").catch((err: Error) =>
        this.o.log.error("could not release the lease; standbys take over when it expires", { error: err.message }),
      );
    }
    if (this.pendingFenceRecord) await this.recordFence().catch(() => {});
    clearTimeout(this.fenceTimer);
  }
}

// Sampled at most once a second per process: reading RSS and load is a /proc read each, and
// where many agents share a process (the scale bench) one sample serves them all.
let sampled: { at: number; value: Record<string, number> } | null = null;
function metrics() {
  const now = performance.now();
  if (!sampled || now - sampled.at >= 1000) {
    sampled = {
      at: now,
      value: { load1: Math.round(os.loadavg()[0] * 100) / 100, rssMb: Math.round(process.memoryUsage.rss() / 1048576), uptimeS: Math.round(process.uptime()) },
    };
  }
  return sampled.value;
}
