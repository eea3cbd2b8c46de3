// Pure types and names of node health checks, safe to import from the agent bundle and the browser.

export type CheckStatus = "PASSING" | "FAILING" | "UNKNOWN";

/** What a check's output may hold in the database, the audit and the API (VIEWERs read it). */
export const CHECK_OUTPUT_MAX = 300;

/** One check's result, as the agent's probe returns it. */
export type CheckResult = { ok: boolean; output: string };

/** One check's state, as Node.checks stores it. `since`: ISO time of its last status change (agent clock). */
export type NodeCheckState = { name: string; status: CheckStatus; since: string; output: string };

/** What a node reports: the aggregate (FAILING if any check fails), isolation, and each check. */
export type NodeCheckReport = { status: CheckStatus; isolated: boolean; checks: NodeCheckState[] };
