// The domain's refusals are the console's one error class (lib/errors.ts), under the name
// lib/cluster and the agent have always thrown and caught it by.
export { AppError as ClusterError } from "../errors";
