// Pure names and constants of the audit log, safe to import from browser components.

/** Audit actors are strings so the log outlives users and nodes. */
export const userActor = (email: string) => `user:${email}`;
export const agentActor = (cluster: string, node: string) => `agent:${cluster}/${node}`;
export const SYSTEM_ACTOR = "system";

/** Every action the audit log records, in one list so filters and docs agree. */
export const AUDIT_ACTIONS = [
  "node.registered",
  "failover.promoted", // automatic election: this node became active
  "failover.demoted", // automatic election: the dead active was marked standby
  "command.requested",
  "command.cancelled",
  "command.expired",
  "command.failed",
  "command.started", // the active began stepping down (its demote hook runs; the lease is kept until it ends)
  "command.demoted", // the active stepped down for a command
  "command.promoted", // the target became active for a command
  "agent.released", // clean shutdown: the active gave up its lease
  "agent.self_fenced", // the active could not renew in time and demoted itself
  "agent.stepped_down", // the active's supervised process exited by itself: it gave up the role
  "hook.failed",
  "check.failing", // a health check failed `fall` times in a row (its name and output in the reason)
  "check.passing", // a health check passed `rise` times in a row
  "check.no_standby", // the active's checks fail but no standby passes its own: it keeps the role
  "failover.limited", // too many automatic failovers in the window: the cluster paused itself
  "cluster.paused",
  "cluster.resumed",
  "cluster.settings_changed",
  "node.maintenance_on",
  "node.maintenance_off",
  "node.priority_changed",
  "node.removed", // decommissioned from the console: the row is gone, its history stays here
  "node.down", // silent for longer than a lease, seen by another agent's heartbeat (lib/cluster/node-down.ts)
  "node.recovered", // a node marked down heartbeats again
  "service.joined", // active-active (mode ALL): a node started serving
  "service.left", // active-active: a dead node's lapsed lease was retired by a peer (a node that leaves by itself is agent.*)
  "service.below_minimum", // an ALL-mode service has fewer serving nodes than its minimum (once per episode)
  "service.minimum_restored", // ... and has its minimum again
  "rebalance.requested", // an operator asked to move services back to an even spread
  "rebalance.finished", // every move done (or none needed); details list them
  "rebalance.failed", // a move failed or the spread could not be reached: the rest was not tried
  "user.created",
  "user.updated", // role, name, disabled or password changed by an admin
  "user.signed_in",
  "user.signed_out", // also ends the user's other sessions
  "user.sign_in_failed",
  "user.sign_in_locked", // too many failures: refused without checking the password
  "token.created",
  "token.revoked",
  "notification.channel_created",
  "notification.channel_updated",
  "notification.channel_deleted",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
