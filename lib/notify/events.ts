// The audit actions a notification channel may subscribe to, grouped as the console shows them.
// Pure constants, safe in browser components. The database's outbox trigger lists the same actions
// (prisma/migrations/*_notifications); test/notify/outbox.test.ts holds the two together.

export const NOTIFY_EVENT_GROUPS = [
  { label: "Automatic failover", events: ["failover.promoted", "failover.limited"] },
  { label: "Role change", events: ["command.promoted", "command.demoted", "agent.released", "agent.stepped_down"] },
  { label: "Command failed or expired", events: ["command.failed", "command.expired"] },
  { label: "Node down / recovered", events: ["node.down", "node.recovered"] },
  { label: "Checks", events: ["check.failing", "check.passing", "check.no_standby"] },
  { label: "Self-fence", events: ["agent.self_fenced"] },
  { label: "Hook failed", events: ["hook.failed"] },
  { label: "Active-active below minimum / restored", events: ["service.below_minimum", "service.minimum_restored"] },
  { label: "Rebalance finished or failed", events: ["rebalance.finished", "rebalance.failed"] },
] as const;

export type NotifyEvent = (typeof NOTIFY_EVENT_GROUPS)[number]["events"][number];

export const NOTIFY_EVENTS = NOTIFY_EVENT_GROUPS.flatMap((g) => g.events) as [NotifyEvent, ...NotifyEvent[]];

export const CHANNEL_TYPES = ["WEBHOOK", "SLACK", "EMAIL"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
