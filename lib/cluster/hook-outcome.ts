/**
 * How one hook run ended, as stored on a command (Command.hookOutcomes) and in audit details.
 * Never the hook's output: that goes to the agent's own log, since VIEWERs read commands and audit
 * rows and a hook may print credentials.
 */
export type HookOutcome = {
  node: string;
  ok: boolean;
  ms: number;
  /** exit code N | killed by SIGNAL | timed out after N ms | killed at the lease deadline | skipped: ... */
  error?: string;
};

/** Command.hookOutcomes: the step-down's demote hook (or supervised stop) and the target's promote hook. */
export type CommandHookOutcomes = { demote?: HookOutcome; promote?: HookOutcome };
