import os from "node:os";
import type { Sql } from "../lib/db/sql";
import { agentActor, insertAudit } from "../lib/cluster/audit";
import type { RetirableLease } from "../lib/cluster/cluster-lock";
import { electActive } from "../lib/cluster/elect-active";
import { joinServing, retireLapsedServing } from "../lib/cluster/serving";
import { commandStep } from "../lib/cluster/command-step";
import { demoteForCommand } from "../lib/cluster/demote-for-command";
import { loadOpenCommand } from "../lib/cluster/load-open-command";
import { promoteForCommand } from "../lib/cluster/promote-for-command";
import { recordPromoteHook } from "../lib/cluster/record-promote-hook";
import { startStepDown } from "../lib/cluster/start-step-down";
import { wakeCluster } from "../lib/cluster/wake-cluster";
import { expireOverdueCommands } from "../lib/cluster/expire-commands";
import { FULL_BEAT_EVERY, heartbeat, type HeartbeatResult } from "../lib/cluster/heartbeat";
import type { HookOutcome } from "../lib/cluster/hook-outcome";
import { recordCheckState } from "../lib/cluster/record-check-state";
import { registerNode, type RegisterNodeOptions } from "../lib/cluster/register-node";
import { stepDownForChecks } from "../lib/cluster/step-down-for-checks";
import { releaseLease, type ReleaseLeaseOptions } from "../lib/cluster/release-lease";
import { DEFAULT_TIMINGS, timingProblem, type Timings } from "../lib/cluster/timing";
import type { HealthStatus } from "./health-server";
import { monoNow, type Logger } from "./log";
import { CheckRunner, type CheckSpec, type CheckTuning } from "./checks";
import {
  actUntil,
  judgeBeat,
  leaseDeadlineFrom,
  mayAct,
  MS,
  observeLease,
  onRoleTimer,
  roleDeadline,
  type Clock,
  type DrainCause,
  type HoldingRole,
  type LeaseSighting,
  type Role,
} from "./lease";
import { Workload } from "./workload";

/** What registration needs (cluster, node, host, version, instance, priority, timings), plus the agent's own. */
export type NodeAgentOptions = Omit<RegisterNodeOptions, "db"> & {
  /** The agent talks SQL through pg directly (see lib/db/sql.ts for why not Prisma). */
  db: Sql;
  hooks: { promote?: string; demote?: string; timeoutMs: number };
  /** Supervised mode: the command this agent runs while its node is active. */
  supervise?: string;
  /** Health checks (none: the node always counts as passing). */
  checks?: { specs: CheckSpec[]; tuning: CheckTuning };
  log: Logger;
  /** Called when the agent must stop for good (its node row was removed or taken over). */
  onFatal(message: string): void;
  /**
   * The monotonic clock its lease decisions read (default process.hrtime). Tests skew it to make a
   * renewal answer "late" deterministically; the workload's deadlines and the watchdog stay on the
   * real clock, so a skewed clock is for agents without hooks or a supervised process.
   */
  clock?: Clock;
};

/**
 * One node's agent: heartbeats, holds or waits for the lease, takes part in elections and
 * commands, and starts and stops the node's workload. All role-changing decisions are lib/cluster
 * transactions; this class keeps the local view honest: it acts as active only until its monotonic
 * deadline minus the demote budget, and fences itself when that passes without a confirmed renewal,
 * so its workload is down before its lease can end in the database.
 */
export class NodeAgent {
  private role: Role = { kind: "STANDBY" };
  private roleTimer: NodeJS.Timeout | undefined;
  /** A self-fence to record (lease released, audited) once that activation's workload is down. */
  private pendingFenceRecord: { epoch: bigint; reason: string; workloadDown: boolean } | null = null;
  private timings: Timings = DEFAULT_TIMINGS;
  private ids: { clusterId: string; nodeId: string } | null = null;
  private tickTimer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking = false;
  private wakeAgain = false;
  private shuttingDown = false;
  private stopped = false;
  private lastDbOk: bigint | null = null;
  private lastBeatRoundTripMs: number | null = null;
  private dbReachable = true;
  private announced: string | null = null; // command id this target has told the active about
  private readonly workload: Workload;
  private readonly checks: CheckRunner;
  /** Check statuses as last written to the database (to write changes only, with their audit rows). */
  private recordedChecks: Map<string, string> | null = null;
  private checksChanged = true;
  /** The active's checks fail, no standby can take over, and that was audited (once per episode). */
  private keptRoleAudited = false;
  private readonly actor: string;
  private readonly now: Clock;
  /** The highest cluster epoch seen: no epoch this agent installs goes below it, even if the database's counter does (a restore). */
  private highestEpoch = 0n;
  private epochRegressionLogged: bigint | null = null;
  /** The other active's lease as this standby last saw it change (agent/lease.ts observeLease). */
  private leaseSighting: LeaseSighting = null;
  private takeoverBlocked = false;
  private retirable: RetirableLease | null = null;

  /** ONE or ALL, as the service says at registration. */
  private mode: "ONE" | "ALL" = "ONE";

  /** Light beats (lib/cluster/heartbeat.ts): the last full beat's result, and when the next full one is due. */
  private lastFullBeat: HeartbeatResult | null = null;
  private beatsSinceFull = 0;
  private fullBeatDue = true;

  /**
   * Regular beats keep a fixed cadence, the first beat's start + k x heartbeatMs, not heartbeatMs
   * after the last one ended: else every agent that waited through one stall (a slow database, a GC
   * pause) beats in step with the others from then on, and a fleet's load arrives in bursts.
   */
  private cadenceAnchor: bigint | null = null;

  constructor(private readonly o: NodeAgentOptions) {
    this.now = o.clock ?? monoNow;
    this.actor = agentActor(o.clusterName, o.nodeName);
    this.workload = new Workload({
      cluster: o.clusterName,
      service: this.service,
      node: o.nodeName,
      log: o.log,
      hooks: o.hooks,
      supervise: o.supervise,
      stopGraceMs: () => this.timings.demoteTimeoutMs,
      onExit: (why) => {
        if (this.role.kind === "ACTIVE") this.drain({ stepDown: why, holdOffMs: 2 * this.timings.leaseMs }, why);
      },
    });
    this.checks = new CheckRunner(o.checks?.specs ?? [], o.checks?.tuning ?? { intervalMs: 2000, timeoutMs: 1000, rise: 2, fall: 3, when: "always" }, {
      cluster: o.clusterName,
      service: this.service,
      node: o.nodeName,
      log: o.log,
      onChange: () => {
        this.checksChanged = true;
        this.wake();
      },
    });
  }

  get service() {
    return this.o.service ?? "main";
  }

  get clusterId() {
    return this.ids?.clusterId ?? null;
  }

  async start(): Promise<void> {
    await this.register();
    this.run();
  }

  /**
   * Creates or re-attaches this service's row; nothing runs yet. An agent hosting several services
   * registers them all before running any, so a refused one (a wrong mode, a duplicate agent)
   * stops the process before any service has started its workload.
   */
  async register(): Promise<void> {
    const { db, clusterName, service, mode, minActive, nodeName, host, agentVersion, instanceId, priority, timings } = this.o;
    const reg = await registerNode({ db, clusterName, service, mode, minActive, nodeName, host, agentVersion, instanceId, priority, timings });
    this.ids = { clusterId: reg.clusterId, nodeId: reg.nodeId };
    this.mode = reg.mode;
    this.timings = { heartbeatMs: reg.heartbeatMs, leaseMs: reg.leaseMs, demoteTimeoutMs: reg.demoteTimeoutMs };
    this.o.log.info("registered", { event: "role", role: "STANDBY", mode: this.mode, ...this.timings });
  }

  /** Starts the checks and the tick loop of a registered agent. */
  run(): void {
    this.running = true;
    this.checks.start();
    void this.tick();
  }

  /** May this node act as active right now? Checked against the monotonic deadline, not a timer. */
  isActive(): boolean {
    return mayAct(this.role, this.now(), this.timings);
  }

  status(): HealthStatus {
    const active = this.isActive();
    const role = this.role;
    return {
      cluster: this.o.clusterName,
      service: this.service,
      node: this.o.nodeName,
      role: active ? "ACTIVE" : "STANDBY",
      epoch: role.kind === "STANDBY" ? null : role.epoch.toString(),
      leaseRemainingMs: active && role.kind === "ACTIVE" ? Number((actUntil(role.leaseDeadline, this.timings) - this.now()) / MS) : null,
      databaseReachable: this.dbReachable,
      lastHeartbeatOkMsAgo: this.lastDbOk === null ? null : Number((this.now() - this.lastDbOk) / MS),
      lastHeartbeatRoundTripMs: this.lastBeatRoundTripMs,
    };
  }

  /** Run a tick now (a notification arrived); coalesced with one in progress. */
  wake(): void {
    if (this.stopped) return;
    this.fullBeatDue = true; // a notification (command, role or settings change) or a change here: read everything
    if (this.ticking) {
      this.wakeAgain = true;
      return;
    }
    clearTimeout(this.tickTimer);
    void this.tick();
  }

  /** `point`: the cadence point a regular beat is scheduled for. */
  private schedule(ms: number, point: bigint | null = null) {
    if (this.stopped) return;
    clearTimeout(this.tickTimer);
    this.tickTimer = setTimeout(() => void this.tick(point), Math.max(0, ms));
  }

  private async tick(point: bigint | null = null): Promise<void> {
    if (this.stopped || this.ticking || !this.running) return;
    this.ticking = true;
    this.cadenceAnchor ??= this.now();
    let next = this.timings.heartbeatMs;
    try {
      next = await this.step();
    } catch (err) {
      this.markDb(false, err);
      this.fullBeatDue = true;
    } finally {
      this.ticking = false;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        next = 0;
      }
      if (next === this.timings.heartbeatMs) this.schedule(...this.nextRegularBeat(point));
      else this.schedule(next);
    }
  }

  /**
   * The next point of the cadence, at most one heartbeat away (a beat longer than that skips
   * points), and the milliseconds until it. A timer can fire a little before its point by this
   * clock: a beat that ended before its own point counts from that point, so it is not followed by
   * a second beat at the same point.
   */
  private nextRegularBeat(point: bigint | null): [number, bigint] {
    const period = BigInt(this.timings.heartbeatMs) * MS;
    const now = this.now();
    if (this.cadenceAnchor === null || now < this.cadenceAnchor) this.cadenceAnchor = now; // a clock that went back: start again
    const from = point !== null && point > now ? point : now;
    const at = from + period - ((from - this.cadenceAnchor) % period);
    return [Number((at - now + MS - 1n) / MS), at];
  }

  /** One beat; returns the delay until the next. */
  private async step(): Promise<number> {
    const { clusterId, nodeId } = this.ids!;
    const t0 = this.now();
    const holding = this.role.kind === "STANDBY" ? null : this.role;
    const settings = this.lightBeatSettings();
    // Cleared before the beat: a notification that arrives while it is in flight asks for another.
    if (!settings) this.fullBeatDue = false;
    const hb = await heartbeat({
      db: this.o.db,
      nodeId,
      instanceId: this.o.instanceId,
      activeEpoch: holding?.epoch ?? null,
      ...(settings ? { light: { settings, leaseMs: this.timings.leaseMs } } : { metrics: metrics() }),
    });
    this.markDb(true);
    this.lastBeatRoundTripMs = Math.round(Number(this.now() - t0) / 1e5) / 10;
    if (settings) this.beatsSinceFull++;
    else if (hb) [this.lastFullBeat, this.beatsSinceFull] = [hb, 0];
    if (!hb) {
      this.loseRole("this node's row is no longer this agent's");
      this.o.onFatal(`${this.o.clusterName}/${this.o.nodeName} was removed from the cluster or taken over by another agent; stopping`);
      return this.timings.heartbeatMs;
    }
    this.applyTimings(hb);
    this.noteEpoch(hb.clusterEpoch);
    if (holding && this.role === holding) {
      const verdict = judgeBeat(holding, { renewed: hb.renewed, t0, now: this.now() }, this.timings);
      if (verdict.kind === "lost") this.loseRole(`lost the role in the database (cluster epoch is now ${hb.clusterEpoch})`);
      else if (verdict.kind === "fence") this.fence("the lease deadline passed before the renewal was confirmed");
      else this.renewed(holding, verdict.leaseDeadline);
    }
    if (this.pendingFenceRecord?.workloadDown) await this.recordFence();
    if (this.checksChanged) await this.recordChecks();
    if (this.role.kind === "ACTIVE" && !this.shuttingDown) await this.actOnChecks();
    if (this.role.kind === "DRAINING" && this.role.stopped) await this.finishDrain(this.role);
    if (this.shuttingDown) return hb.heartbeatMs;
    if (this.mode === "ALL") return this.serveStep(hb);
    const other = hb.activeNodeId !== null && hb.activeNodeId !== nodeId ? { nodeId: hb.activeNodeId, leaseExpiresAt: hb.activeLeaseExpiresAt } : null;
    const lapsed = hb.activeLeaseRemainingMs === null;
    const { sighting, waitMs: takeoverInMs } = observeLease(this.leaseSighting, other, this.now(), this.timings);
    this.leaseSighting = sighting;
    // Lapsed by the database's clock but not yet by this node's: wait (a live active's lease is never retired early).
    this.takeoverBlocked = lapsed && takeoverInMs > 0;
    // The only lease an election or promotion of this node may retire: one that stood still for a lease here.
    this.retirable = other && takeoverInMs === 0 ? other : null;
    const acted = hb.openCommand && (await this.commandStep(clusterId, nodeId));
    const tried = !acted && this.role.kind === "STANDBY" && this.mayElect(hb) && lapsed && !this.takeoverBlocked;
    if (tried) await this.tryElect(clusterId, nodeId);
    // A standby that could take over wakes right when the active's lease lapses, by both clocks; one
    // that just tried and was not elected (not eligible, or another node's turn) tries again next beat.
    if (this.role.kind === "STANDBY" && this.mayElect(hb) && other && !tried) {
      return Math.min(hb.heartbeatMs, Math.max(lapsed ? 0 : hb.activeLeaseRemainingMs! + 20, takeoverInMs));
    }
    return hb.heartbeatMs;
  }

  /**
   * The last full beat's result when this beat may be a light one (lib/cluster/heartbeat.ts), else
   * null: a full beat first, after any wake-up (a notification: command, role or settings change;
   * a role change here; a failed beat), while a command is open, always in mode ALL, and every
   * FULL_BEAT_EVERY-th beat.
   */
  private lightBeatSettings(): HeartbeatResult | null {
    const last = this.lastFullBeat;
    if (!last || this.fullBeatDue || last.openCommand || this.mode === "ALL" || this.beatsSinceFull >= FULL_BEAT_EVERY - 1) return null;
    return last;
  }

  /**
   * Active-active (lib/cluster/serving.ts): a standby that may serve joins; a serving node put in
   * maintenance leaves (its checks are actOnChecks'); the lapsed leases of dead peers are retired.
   */
  private async serveStep(hb: HeartbeatResult): Promise<number> {
    const { clusterId, nodeId } = this.ids!;
    const { status, isolated } = this.checks.state();
    if (this.role.kind === "ACTIVE" && hb.maintenance) this.drain({ stepDown: "in maintenance", holdOffMs: 0 }, "in maintenance: no longer serving");
    if (this.role.kind === "STANDBY" && !hb.maintenance && !hb.paused && status !== "FAILING" && !isolated) {
      const t0 = this.now();
      const result = await joinServing({ db: this.o.db, clusterId, nodeId, instanceId: this.o.instanceId, epochFloor: this.highestEpoch });
      if (result.joined) this.becomeActive(result.epoch, result.timings, t0, "active-active: serving", null);
      else this.o.log.debug("not serving", { why: result.why });
    }
    await retireLapsedServing({ db: this.o.db, clusterId, actor: this.actor });
    return hb.heartbeatMs;
  }

  /** Epochs never go backwards: a database counter below one already seen means the database went back in time. */
  private noteEpoch(epoch: bigint) {
    if (epoch >= this.highestEpoch) {
      this.highestEpoch = epoch;
      return;
    }
    if (this.epochRegressionLogged !== epoch) {
      this.epochRegressionLogged = epoch;
      this.o.log.error(
        "the database's epoch went back: restored from a backup, or an asynchronous replica was promoted; new epochs start above the highest seen",
        {
          databaseEpoch: epoch,
          highestSeen: this.highestEpoch,
        },
      );
    }
  }

  private mayElect(hb: HeartbeatResult) {
    return hb.failoverMode === "AUTOMATIC" && !hb.paused && !hb.maintenance;
  }

  private applyTimings({ heartbeatMs, leaseMs, demoteTimeoutMs }: Timings) {
    const next = { heartbeatMs, leaseMs, demoteTimeoutMs };
    if (next.heartbeatMs === this.timings.heartbeatMs && next.leaseMs === this.timings.leaseMs && next.demoteTimeoutMs === this.timings.demoteTimeoutMs) return;
    // The database's CHECK refuses unsafe timings; this guards against a database without it.
    const problem = timingProblem(next);
    if (problem) return this.o.log.error("ignoring unsafe cluster timings", { ...next, problem });
    this.timings = next;
    this.o.log.info("cluster timings changed", { ...this.timings });
  }

  private async tryElect(clusterId: string, nodeId: string) {
    const t0 = this.now();
    const result = await electActive({
      db: this.o.db,
      clusterId,
      nodeId,
      instanceId: this.o.instanceId,
      epochFloor: this.highestEpoch,
      retirable: this.retirable,
    });
    if (result.elected) this.becomeActive(result.epoch, result.timings, t0, "elected by automatic failover", null);
    else this.o.log.debug("not elected", { why: result.why });
  }

  /** This node's part in the open command; false when it has none (it may then take part in an election). */
  private async commandStep(clusterId: string, nodeId: string): Promise<boolean> {
    const command = await loadOpenCommand({ db: this.o.db, clusterId });
    if (!command) return false;
    if (command.overdue) {
      const n = await expireOverdueCommands({ db: this.o.db, clusterId, actor: this.actor });
      if (n) this.o.log.warn("command expired", { commandId: command.id, kind: command.kind });
      return true;
    }
    const step = commandStep(command, { nodeId, active: this.isActive() });
    if (step === "demote" && this.role.kind === "ACTIVE") {
      const { epoch } = this.role;
      // The command's deadline is moved out to cover the longest drain (the hook timeout) and the handover.
      const drainMs = this.o.hooks.timeoutMs + 2 * this.timings.leaseMs;
      const { started } = await startStepDown({ db: this.o.db, commandId: command.id, clusterId, nodeId, nodeName: this.o.nodeName, epoch, drainMs });
      if (started && this.role.kind === "ACTIVE" && this.role.epoch === epoch) {
        this.drain({ command }, `stepping down for ${command.kind.toLowerCase()} (command ${command.id})`);
      }
      return true;
    }
    if (step === "promote") {
      if (this.takeoverBlocked) {
        this.o.log.debug("promotion waits", { why: "the active's lease has not stood still for a lease on this node's clock" });
        return true;
      }
      const t0 = this.now();
      const result = await promoteForCommand({
        db: this.o.db,
        commandId: command.id,
        clusterId,
        nodeId,
        instanceId: this.o.instanceId,
        epochFloor: this.highestEpoch,
        retirable: this.retirable,
      });
      if (result.promoted) {
        this.becomeActive(result.epoch, result.timings, t0, `${command.kind.toLowerCase()} (command ${command.id})`, command.id, result.forced);
        return true;
      }
      this.o.log.debug("promotion waits", { why: result.why });
      // This tick's heartbeat proved the target alive: tell the active now rather than at its next tick.
      if (this.announced !== command.id) {
        this.announced = command.id;
        await wakeCluster({ db: this.o.db, clusterId });
      }
      return true;
    }
    return false;
  }

  /** Writes the check state when it changed (never per beat), one audit row per check that changed. */
  private async recordChecks() {
    const { clusterId, nodeId } = this.ids!;
    this.checksChanged = false;
    const report = this.checks.state();
    const changed = report.checks.filter((c) => this.recordedChecks?.get(c.name) !== c.status);
    try {
      await recordCheckState({ db: this.o.db, clusterId, clusterName: this.o.clusterName, nodeId, nodeName: this.o.nodeName, report, changed });
      this.recordedChecks = new Map(report.checks.map((c) => [c.name, c.status]));
    } catch (err) {
      this.checksChanged = true; // written at the next beat
      throw err;
    }
  }

  /** An active whose checks fail hands over to a standby whose checks pass (or steps down when isolated). */
  private async actOnChecks() {
    const { status, isolated, checks } = this.checks.state();
    const role = this.role as Extract<Role, { kind: "ACTIVE" }>;
    if (status === "PASSING") role.forced = false; // forced onto a failing node: from now on, like any other
    if (status !== "FAILING" && !isolated) {
      this.keptRoleAudited = false;
      return;
    }
    if (role.forced && !isolated) return;
    if (this.mode === "ALL") {
      // Active-active: no one to hand over to; leave the serving set until the checks pass again.
      // Checks that run only while active cannot pass on a standby: hold off, or it would flap.
      const failing = checks.find((c) => c.status === "FAILING");
      const reason = isolated ? "isolated: gateway unreachable" : `check failing: ${failing?.name}: ${failing?.output}`;
      return this.drain({ stepDown: reason, holdOffMs: this.o.checks?.tuning.when === "active" ? 2 * this.timings.leaseMs : 0 }, reason);
    }
    const failing = checks.find((c) => c.status === "FAILING" && (isolated ? c.name === "gateway" : true));
    const reason = isolated
      ? `isolated: ${failing?.name ?? "gateway"} unreachable (${failing?.output ?? ""})`
      : `check failing: ${failing?.name}: ${failing?.output}`;
    const { clusterId, nodeId } = this.ids!;
    const epoch = role.epoch;
    const decision = await stepDownForChecks({
      db: this.o.db,
      clusterId,
      nodeId,
      nodeName: this.o.nodeName,
      reason,
      isolated,
      auditIfKept: !this.keptRoleAudited,
    });
    if (!decision.stepDown) {
      if (!this.keptRoleAudited) this.o.log.warn("checks fail but no standby can take over: keeping the role", { reason });
      this.keptRoleAudited = true;
      return;
    }
    if (this.role.kind === "ACTIVE" && this.role.epoch === epoch) this.drain({ stepDown: reason, holdOffMs: decision.holdOffMs }, reason);
  }

  private becomeActive(epoch: bigint, timings: Timings, t0: bigint, reason: string, commandId: string | null, forced = false) {
    this.applyTimings(timings);
    const role: Role = { kind: "ACTIVE", epoch, leaseDeadline: leaseDeadlineFrom(t0, this.timings), commandId, forced };
    this.noteEpoch(epoch);
    this.role = role;
    this.fullBeatDue = true;
    this.armRoleTimer();
    this.workload.setDeadline(role.leaseDeadline);
    this.o.log.info("became ACTIVE", { event: "role", role: "ACTIVE", epoch, validUntil: actUntil(role.leaseDeadline, this.timings), reason });
    this.checks.setActive(true);
    if (this.shuttingDown) return; // elected by a beat that was in flight at SIGTERM: the lease lapses
    void this.workload.start(epoch, () => this.role === role && this.isActive()).then((outcome) => this.promoteHookEnded(epoch, commandId, outcome));
  }

  private async promoteHookEnded(epoch: bigint, commandId: string | null, outcome: HookOutcome | null) {
    if (!outcome) return;
    this.reportHook("promote", epoch, outcome);
    if (commandId) {
      await recordPromoteHook({ db: this.o.db, commandId, outcome }).catch((err: Error) =>
        this.o.log.error("could not record the promote hook on the command", { error: err.message }),
      );
    }
  }

  private renewed(role: HoldingRole, leaseDeadline: bigint) {
    role.leaseDeadline = leaseDeadline;
    this.armRoleTimer();
    this.workload.setDeadline(role.leaseDeadline);
    this.o.log.debug("lease renewed", {
      event: "lease",
      epoch: role.epoch,
      validUntil: role.kind === "ACTIVE" ? actUntil(role.leaseDeadline, this.timings) : undefined,
    });
  }

  /** ACTIVE: fence at the act deadline. DRAINING: give the role up locally at the lease deadline. */
  private armRoleTimer() {
    clearTimeout(this.roleTimer);
    const role = this.role;
    if (role.kind === "STANDBY") return;
    this.roleTimer = setTimeout(
      () => {
        if (this.role !== role) return;
        const action = onRoleTimer(role, this.now(), this.timings);
        if (action === "early") this.armRoleTimer();
        else if (action === "fence") this.fence("could not renew the lease in time (database unreachable or process paused)");
        else this.loseRole("could not renew the lease while stopping its workload", "self_fenced");
      },
      Math.max(0, Number((roleDeadline(role, this.timings) - this.now()) / MS)) + 1,
    );
  }

  /** Self-fencing: stop acting as active now; its workload stops before the lease deadline; the audit row follows once the database answers. */
  private fence(reason: string) {
    this.loseRole(reason, "self_fenced");
  }

  /**
   * Leaves ACTIVE or DRAINING without the database's word (fenced, or the row moved on). An ACTIVE
   * stops its workload, killed at the lease deadline (or one budget from now, for an agent that
   * woke up past it); a DRAINING one is already stopping it.
   */
  private loseRole(reason: string, record?: "self_fenced") {
    const role = this.role;
    if (role.kind === "STANDBY") return;
    this.role = { kind: "STANDBY" };
    this.fullBeatDue = true;
    clearTimeout(this.roleTimer);
    this.checks.setActive(false);
    let stopping = role.kind === "DRAINING" ? role.stopping : null;
    if (role.kind === "ACTIVE") {
      this.o.log[record ? "warn" : "info"]("became STANDBY", { event: "role", role: "STANDBY", epoch: role.epoch, reason });
      // Down by the lease deadline; an agent that wakes up past it (it was frozen: only supervised
      // mode's watchdog covers that) still stops its workload, within one budget.
      const now = this.now();
      this.workload.setDeadline(role.leaseDeadline > now ? role.leaseDeadline : now + BigInt(this.timings.demoteTimeoutMs) * MS);
      stopping = this.workload.stop(role.epoch).then((outcome) => outcome && this.reportHook("demote", role.epoch, outcome));
    } else {
      this.o.log.warn("gave up the role while stopping its workload", { epoch: role.epoch, reason });
    }
    if (record) {
      // Releasing the row at once would let a standby start its workload while this one still stops.
      const pending = { epoch: role.epoch, reason, workloadDown: false };
      this.pendingFenceRecord = pending;
      void stopping!.then(() => {
        pending.workloadDown = true;
        this.wake();
      });
    }
  }

  /**
   * A planned step-down: stop acting now, keep renewing the lease while the workload stops (the
   * demote hook or the supervised process's stop), then give the role up in the database
   * (finishDrain), so the next active starts only after this one's workload is down.
   */
  private drain(cause: DrainCause, reason: string) {
    const role = this.role;
    if (role.kind !== "ACTIVE") return;
    const stopping = this.workload.stop(role.epoch).then((outcome) => {
      if (outcome && (!outcome.ok || !("command" in cause))) this.reportHook("demote", role.epoch, outcome);
      if (this.role !== draining) return;
      draining.stopped = { outcome };
      this.wake();
    });
    const draining: Extract<Role, { kind: "DRAINING" }> = {
      kind: "DRAINING",
      epoch: role.epoch,
      leaseDeadline: role.leaseDeadline,
      cause,
      stopping,
      stopped: null,
    };
    this.role = draining;
    this.fullBeatDue = true;
    this.armRoleTimer();
    this.checks.setActive(false);
    this.o.log.info("became STANDBY", { event: "role", role: "STANDBY", epoch: role.epoch, reason, draining: true });
  }

  private async finishDrain(role: Extract<Role, { kind: "DRAINING" }>) {
    const { clusterId, nodeId } = this.ids!;
    const { epoch, cause } = role;
    const base = { db: this.o.db, clusterId, nodeId, nodeName: this.o.nodeName, epoch };
    if ("command" in cause) {
      const { changed } = await demoteForCommand({ ...base, commandId: cause.command.id, hookOutcome: role.stopped!.outcome });
      // The command moved on meanwhile (expired): give the lease up all the same.
      if (!changed) await this.release(epoch, "shutdown", `stepped down for command ${cause.command.id}, which was no longer running`);
    } else if ("shutdown" in cause) {
      await this.release(epoch, "shutdown", "agent stopped (SIGTERM)");
    } else {
      await this.release(epoch, "stepped_down", cause.stepDown, cause.holdOffMs);
    }
    if (this.role === role) this.role = { kind: "STANDBY" };
    this.fullBeatDue = true;
    clearTimeout(this.roleTimer);
    this.o.log.info("stepped down", { epoch });
  }

  private async recordFence() {
    const { epoch, reason } = this.pendingFenceRecord!;
    await this.release(epoch, "self_fenced", reason);
    this.pendingFenceRecord = null;
  }

  private async release(epoch: bigint, why: ReleaseLeaseOptions["why"], reason: string, holdOffMs?: number) {
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
      holdOffMs,
    });
    this.o.log.info(why === "self_fenced" ? "self-fence recorded in the audit log" : "released the lease", { epoch, rowChanged: changed });
  }

  /** Logs a hook's outcome; a failure is audited too (without the hook's output, which stays in this log). */
  private reportHook(hook: "promote" | "demote", epoch: bigint, outcome: HookOutcome) {
    if (outcome.ok) return this.o.log.info(`${hook} hook succeeded`, { ms: outcome.ms });
    this.o.log.error(`${hook} hook failed`, { ms: outcome.ms, error: outcome.error });
    void insertAudit(this.o.db, {
      actor: this.actor,
      action: "hook.failed",
      clusterId: this.ids?.clusterId,
      clusterName: this.o.clusterName,
      nodeId: this.ids?.nodeId,
      nodeName: this.o.nodeName,
      epoch,
      reason: `${hook} hook: ${outcome.error}`,
      details: { hook, ms: outcome.ms }, // not the command line: it may carry credentials
    }).catch((err: Error) => this.o.log.error("could not audit the hook failure", { error: err.message }));
  }

  private markDb(ok: boolean, err?: unknown) {
    if (ok) {
      if (!this.dbReachable) this.o.log.info("database reachable again");
      this.dbReachable = true;
      this.lastDbOk = this.now();
    } else {
      if (this.dbReachable) this.o.log.warn("database unreachable", { error: String((err as Error)?.message ?? err).split("\n")[0] });
      this.dbReachable = false;
    }
  }

  /**
   * Clean shutdown: an active node drains (keeps its lease while its workload stops) and then
   * releases the lease, so a standby takes over at once; bounded by the lease deadline when the
   * database is unreachable.
   */
  async stop(): Promise<void> {
    this.shuttingDown = true;
    this.drain({ shutdown: true }, "shutting down");
    this.wake();
    while (this.role.kind === "DRAINING") await new Promise((r) => setTimeout(r, 10));
    this.stopped = true;
    clearTimeout(this.tickTimer);
    // A beat stuck on a connection a partition silenced ends only at the query timeout (10 s); a
    // standby need not wait for it: an election it may still commit starts no workload (shuttingDown).
    const tickDeadline = Date.now() + 2000;
    while (this.ticking && Date.now() < tickDeadline) await new Promise((r) => setTimeout(r, 5));
    clearTimeout(this.roleTimer);
    await this.workload.idle();
    if (this.pendingFenceRecord) await Promise.race([this.recordFence().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    this.workload.close();
    this.checks.stop();
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
