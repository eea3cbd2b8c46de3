// Pure constants, safe to import from browser components and the API's schemas.

/** Flap damping settings as the database's Cluster_check_settings CHECK bounds them. */
export const FLAP_DAMPING_BOUNDS = {
  /** How long a node that stepped down for failing checks is held off elections. */
  checkHoldOffMs: { min: 0, max: 86_400_000 },
  /** Automatic failovers allowed per window before the cluster pauses itself; 0: no limit. */
  failoverLimit: { min: 0, max: 1000 },
  failoverWindowMs: { min: 1000, max: 86_400_000 },
} as const;
