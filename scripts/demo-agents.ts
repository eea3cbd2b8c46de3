import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { DEMO_CLUSTER } from "../lib/db/seed";

/** A second demo cluster, Ephesoft-like: three services shared out over the same three servers, and one served by all of them. */
export const DEMO_SERVICES_CLUSTER = "documents";
const DEMO_SERVICES = [
  { service: "import", "on-promote": "sleep 0.2", "on-demote": "sleep 0.5" },
  { service: "ocr", "on-promote": "sleep 0.2", "on-demote": "sleep 0.5" },
  { service: "report", "on-promote": "sleep 0.2", "on-demote": "sleep 0.5" },
  { service: "api", mode: "ALL", "min-active": 2, "on-promote": "sleep 0.1", "on-demote": "sleep 0.1" },
];
const DEMO_SERVICES_FILE = ".data/demo-services.json";

export const DEMO_AGENTS = [
  { node: "node-a", priority: 100, healthPort: 3101, servicePort: 3201 },
  { node: "node-b", priority: 90, healthPort: 3102, servicePort: 3202 },
  { node: "node-c", priority: 80, healthPort: 3103, servicePort: 3203 },
];

/** Where the active node's demo service writes its pid (one file: only the active runs it). */
export const DEMO_SERVICE_PID_FILE = ".data/demo-service.pid";

/** Short check timings, so a hung service fails over in seconds: fall 3 x 500 ms. */
const DEMO_CHECK_TUNING = ["--check-interval-ms", "500", "--check-timeout-ms", "400", "--check-rise", "2", "--check-fall", "3"];

/** The node binary running this script, by path unless that path holds a space (--supervise is split on whitespace). */
const nodeBinary = /\s/.test(process.execPath) ? "node" : process.execPath;

/**
 * The agent flags that make a node run the demo service: supervise scripts/demo-service.mjs on
 * `servicePort` while active, with an HTTP check on it that runs only while active. The e2e test
 * runs its agents with exactly these.
 */
export function demoServiceArgs({ servicePort, pidFile = DEMO_SERVICE_PID_FILE }: { servicePort: number; pidFile?: string }): string[] {
  return [
    "--supervise",
    `${nodeBinary} scripts/demo-service.mjs ${servicePort} ${pidFile}`,
    "--check-http",
    `service=http://127.0.0.1:${servicePort}/health`,
    "--check-when",
    "active",
    ...DEMO_CHECK_TUNING,
  ];
}

/**
 * Runs the real agent CLI three times, as three nodes of the demo cluster on this machine. Each
 * supervises a small real HTTP service while active: kill the service and the node steps down at
 * once; hang it and the check fails it over.
 */
export function startDemoAgents({ databaseUrl }: { databaseUrl: string }): ChildProcess[] {
  mkdirSync(".data", { recursive: true });
  writeFileSync(DEMO_SERVICES_FILE, JSON.stringify({ services: DEMO_SERVICES }, null, 2));
  const documents = DEMO_AGENTS.map(({ node }) =>
    spawn(process.execPath, ["dist/cluster-agent.mjs", "--cluster", DEMO_SERVICES_CLUSTER, "--node", node, "--service-config", DEMO_SERVICES_FILE], {
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, DATABASE_URL: databaseUrl },
    }),
  );
  return [...documents, ...startSupervisingAgents(databaseUrl)];
}

function startSupervisingAgents(databaseUrl: string): ChildProcess[] {
  return DEMO_AGENTS.map(({ node, priority, healthPort, servicePort }) =>
    spawn(
      process.execPath,
      [
        "dist/cluster-agent.mjs",
        "--cluster",
        DEMO_CLUSTER,
        "--node",
        node,
        "--priority",
        String(priority),
        "--health-port",
        String(healthPort),
        ...demoServiceArgs({ servicePort }),
      ],
      { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DATABASE_URL: databaseUrl } },
    ),
  );
}
