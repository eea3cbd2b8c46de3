// What a notification says: the JSON a webhook receives, and the one line Slack and e-mail show.

/** The audit row a delivery was queued for (null for a test message). */
export type AuditRow = {
  id: bigint;
  at: Date;
  actor: string;
  action: string;
  clusterName: string | null;
  service?: string | null;
  nodeName: string | null;
  fromRole: string | null;
  toRole: string | null;
  epoch: bigint | null;
  reason: string;
  details: unknown;
};

export type NotificationMessage = {
  /** The delivery's id: the same on every retry, so a receiver can drop a repeat. */
  id: string;
  event: string;
  test: boolean;
  at: string;
  cluster: string | null;
  /** The service of the cluster ("main" in a cluster of one service). */
  service: string | null;
  node: string | null;
  /** The node that held the role before (failover.promoted), when the event names one. */
  previousNode: string | null;
  fromRole: string | null;
  toRole: string | null;
  epoch: string | null;
  reason: string;
  actor: string;
  auditId: string | null;
  details: unknown;
};

export function buildMessage(deliveryId: bigint, channelName: string, audit: AuditRow | null, now = new Date()): NotificationMessage {
  if (!audit) {
    return {
      id: deliveryId.toString(),
      event: "test",
      test: true,
      at: now.toISOString(),
      cluster: null,
      service: null,
      node: null,
      previousNode: null,
      fromRole: null,
      toRole: null,
      epoch: null,
      reason: `test message for channel "${channelName}"`,
      actor: "system",
      auditId: null,
      details: null,
    };
  }
  const details = (audit.details ?? null) as Record<string, unknown> | null;
  const previous = details?.previousActive;
  return {
    id: deliveryId.toString(),
    event: audit.action,
    test: false,
    at: audit.at.toISOString(),
    cluster: audit.clusterName,
    service: audit.service ?? null,
    node: audit.nodeName,
    previousNode: typeof previous === "string" ? previous : null,
    fromRole: audit.fromRole,
    toRole: audit.toRole,
    epoch: audit.epoch === null ? null : audit.epoch.toString(),
    reason: audit.reason,
    actor: audit.actor,
    auditId: audit.id.toString(),
    details,
  };
}

const WHAT: Record<string, string> = {
  "failover.promoted": "automatic failover",
  "failover.limited": "automatic failover paused (too many)",
  "command.promoted": "became active by command",
  "command.demoted": "stepped down by command",
  "agent.released": "released the role (shutdown)",
  "agent.stepped_down": "stepped down",
  "command.failed": "command failed",
  "command.expired": "command expired",
  "node.down": "node down",
  "node.recovered": "node recovered",
  "check.failing": "check failing",
  "check.passing": "check passing",
  "check.no_standby": "checks fail, no standby to take over",
  "agent.self_fenced": "self-fenced",
  "hook.failed": "hook failed",
  "service.below_minimum": "fewer nodes serve than the minimum",
  "service.minimum_restored": "enough nodes serve again",
  "rebalance.finished": "rebalance finished",
  "rebalance.failed": "rebalance failed",
  test: "test message",
};

/** One line for humans: "[prod] automatic failover: node-b (epoch 7), from node-a: lease expired". */
export function summarize(m: NotificationMessage): string {
  const where = m.cluster ? `[${m.cluster}${m.service && m.service !== "main" ? `/${m.service}` : ""}] ` : "";
  const who = m.node ? `: ${m.node}` : "";
  const epoch = m.epoch ? ` (epoch ${m.epoch})` : "";
  const from = m.previousNode ? `, from ${m.previousNode}` : "";
  return `${where}${WHAT[m.event] ?? m.event}${who}${epoch}${from}${m.reason ? ` - ${m.reason}` : ""}`;
}
