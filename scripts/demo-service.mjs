#!/usr/bin/env node
// The demo's service: a tiny HTTP server that each demo agent supervises (--supervise) while its
// node is active, with an HTTP check on /health. Kill it (`kill -9 $(cat .data/demo-service.pid)`)
// and the agent steps down at once; hang it (`kill -STOP ...`) and the check fails, so the agent
// steps down after fall x interval. Only the active node runs it, so one pid file names it.
//
// usage: node scripts/demo-service.mjs PORT [PIDFILE]   (PIDFILE default .data/demo-service.pid)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";

const port = Number(process.argv[2]);
const pidFile = process.argv[3] ?? ".data/demo-service.pid";
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error("usage: node scripts/demo-service.mjs PORT [PIDFILE]");
  process.exit(2);
}
// The agent gives its supervised process these (see the README).
const node = process.env.NODE ?? "unknown node";
const epoch = process.env.EPOCH ?? "?";
const startedAt = new Date().toISOString();

const server = http.createServer((req, res) => {
  res.setHeader("content-type", "text/plain; charset=utf-8");
  if (req.url === "/health") return res.end("ok\n");
  res.end(`demo service on ${node} (epoch ${epoch}, pid ${process.pid}), serving since ${startedAt}\n`);
});
server.on("error", (err) => {
  console.error(`demo service: ${err.message}`);
  process.exit(1);
});
server.listen(port, "127.0.0.1", () => {
  mkdirSync(path.dirname(pidFile), { recursive: true });
  writeFileSync(pidFile, `${process.pid}\n`);
  console.log(`demo service on ${node} listening on http://127.0.0.1:${port} (pid ${process.pid}, in ${pidFile})`);
});

const stop = () => {
  try {
    // Only its own: the next active's service may have written the file already.
    if (readFileSync(pidFile, "utf8").trim() === String(process.pid)) rmSync(pidFile);
  } catch {
    // already gone
  }
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
