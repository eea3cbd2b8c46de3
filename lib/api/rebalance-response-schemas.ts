// What /api/v1/clusters/{name}/rebalance answers with (lib/cluster/rebalance.ts RebalanceView),
// for the OpenAPI document, the CLI and the API tests; strict, as in response-schemas.ts.
import { z } from "zod";
import { COMMAND_STATUSES } from "./response-schemas";

const isoTime = z.iso.datetime({ offset: true });
export const REBALANCE_STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;

export const rebalanceMoveSchema = z
  .strictObject({
    service: z.string(),
    from: z.string().meta({ description: "the server that held the service" }),
    to: z.string().meta({ description: "the server it was switched over to" }),
    commandId: z.uuid().meta({ description: "its SWITCHOVER command (GET /api/v1/clusters/{name}/commands/{id}?service=...)" }),
    status: z.enum(COMMAND_STATUSES).meta({ description: "the command's status when the rebalance last looked" }),
  })
  .meta({ id: "RebalanceMove" });

export const rebalanceSchema = z
  .strictObject({
    id: z.uuid(),
    clusterName: z.string(),
    status: z.enum(REBALANCE_STATUSES).meta({ description: "RUNNING until every move is done (SUCCEEDED) or one did not succeed (FAILED)" }),
    requestedBy: z.string(),
    reason: z.string(),
    moves: z.array(rebalanceMoveSchema).meta({ description: "the switchovers so far, one at a time, in order" }),
    currentCommandId: z.uuid().nullable().meta({ description: "the switchover it waits for" }),
    error: z.string().nullable().meta({ description: "why it failed" }),
    createdAt: isoTime,
    finishedAt: isoTime.nullable(),
  })
  .meta({ id: "Rebalance", description: "Moves a cluster's services back to an even spread over its servers, one ordinary switchover at a time." });
