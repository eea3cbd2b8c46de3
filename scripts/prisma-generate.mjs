// `prisma generate` offline: the CLI insists on locating a native schema-engine binary it would
// download, yet generate never runs it. Point it at any executable so nothing is fetched.
import { spawnSync } from "node:child_process";

const env = {
  ...process.env,
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
  CHECKPOINT_DISABLE: "1",
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
};
const result = spawnSync(process.execPath, ["node_modules/prisma/build/index.js", "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
