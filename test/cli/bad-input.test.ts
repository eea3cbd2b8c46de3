// failoverctl refusing bad input: one clear line on stderr, the documented exit code, nothing
// sent that changes anything (the database compared before and after), against the real console.
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/db/embedded-postgres";
import { databaseState } from "../support/api-client";
import { startConsoleTestbed, type ConsoleTestbed } from "../support/console-fixture";
import { createToken, revokeToken } from "./api-token";
import { runCli } from "./run-cli";

let bed: ConsoleTestbed;
let operatorToken: string;
let viewerToken: string;
let revokedToken: string;
const servers: Server[] = [];
let htmlUrl: string;
let otherJsonUrl: string;
let newerConsoleUrl: string;

/** Something that is not the console on the given URL: a web server answering every request the same. */
async function startImpostor(contentType: string, body: string): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": contentType }).end(body));
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  servers.push(server);
  return `http://127.0.0.1:${port}`;
}

beforeAll(async () => {
  bed = await startConsoleTestbed();
  const admin = await bed.signInAs("admin@example.com");
  const operator = await bed.signInAs("operator@example.com");
  operatorToken = (await createToken(bed.server.url, operator, "OPERATOR")).secret;
  viewerToken = (await createToken(bed.server.url, admin, "VIEWER")).secret;
  const revoked = await createToken(bed.server.url, operator, "OPERATOR", "to revoke");
  await revokeToken(bed.server.url, operator, revoked.id);
  revokedToken = revoked.secret;
  htmlUrl = await startImpostor("text/html", "<html><body>It works!</body></html>");
  const noClusters = {
    clusters: [],
    counts: { total: 0, matching: 0, byStatus: { ok: 0, degraded: 0, "no-active": 0 } },
    page: { offset: 0, limit: null, sort: "name" },
  };
  newerConsoleUrl = await startImpostor("application/json", JSON.stringify({ ...noClusters, regions: ["eu"] }));
  otherJsonUrl = await startImpostor("application/json", JSON.stringify({ clusters: [{ name: "alpha", status: "green" }] }));
});
afterAll(async () => {
  for (const server of servers) server.close();
  await bed?.stop();
});

type Case = { name: string; args: string[]; env?: () => Record<string, string>; code: number; stderr: RegExp };

const asOperator = () => ({ FAILOVER_URL: bed.server.url, FAILOVER_TOKEN: operatorToken });

const CASES: Case[] = [
  { name: "no command", args: [], env: asOperator, code: 2, stderr: /^failoverctl: missing COMMAND \(failoverctl --help lists them\)$/ },
  { name: "unknown command", args: ["failback", "alpha"], env: asOperator, code: 2, stderr: /^failoverctl: unknown command "failback"/ },
  {
    name: "unknown option",
    args: ["switchover", "alpha", "--to", "node-b", "--now"],
    env: asOperator,
    code: 2,
    stderr: /^failoverctl: switchover: unknown option --now/,
  },
  {
    name: "option without its value",
    args: ["switchover", "alpha", "--to"],
    env: asOperator,
    code: 2,
    stderr: /^failoverctl: switchover: option --to needs a value$/,
  },
  { name: "missing cluster", args: ["switchover", "--to", "node-b"], env: asOperator, code: 2, stderr: /^failoverctl: switchover: missing CLUSTER/ },
  { name: "missing target node", args: ["switchover", "alpha"], env: asOperator, code: 2, stderr: /^failoverctl: switchover needs --to NODE$/ },
  { name: "missing node", args: ["maintenance", "alpha"], env: asOperator, code: 2, stderr: /^failoverctl: maintenance: missing NODE/ },
  { name: "extra argument", args: ["show", "alpha", "beta"], env: asOperator, code: 2, stderr: /^failoverctl: show: unexpected argument "beta"/ },
  { name: "malformed cluster name", args: ["show", "al pha"], env: asOperator, code: 2, stderr: /^failoverctl: CLUSTER "al pha": letters, digits/ },
  {
    name: "maintenance neither on nor off",
    args: ["maintenance", "alpha", "node-b", "yes"],
    env: asOperator,
    code: 2,
    stderr: /expected on or off, got "yes"/,
  },
  {
    name: "priority out of range (the API's own schema)",
    args: ["priority", "alpha", "node-b", "5000"],
    env: asOperator,
    code: 2,
    stderr: /^failoverctl: request: priority: Too big/,
  },
  {
    name: "timeout too short (the API's own schema)",
    args: ["switchover", "alpha", "--to", "node-b", "--timeout", "0.5"],
    env: asOperator,
    code: 2,
    stderr: /timeoutMs: Too small/,
  },
  {
    name: "audit action that does not exist",
    args: ["audit", "--action", "node.exploded"],
    env: asOperator,
    code: 2,
    stderr: /^failoverctl: filters: action: Invalid option/,
  },
  { name: "bad --since", args: ["audit", "--since", "yesterday"], env: asOperator, code: 2, stderr: /--since yesterday: an ISO time/ },
  { name: "no URL", args: ["list"], env: () => ({ FAILOVER_TOKEN: operatorToken }), code: 2, stderr: /^failoverctl: no console URL/ },
  {
    name: "config file that is not there",
    args: ["list", "--config", "/nonexistent/failoverctl.json"],
    code: 2,
    stderr: /^failoverctl: config file \/nonexistent\/failoverctl.json: ENOENT/,
  },
  { name: "no token", args: ["list"], env: () => ({ FAILOVER_URL: bed.server.url }), code: 3, stderr: /^failoverctl: no API token: set FAILOVER_TOKEN/ },
  {
    // e.g. FAILOVER_TOKEN=$(grep fct_ file) matching two lines: refused without echoing the secret (fetch would print the header value)
    name: "a token of two lines",
    args: ["list"],
    env: () => ({ FAILOVER_URL: bed.server.url, FAILOVER_TOKEN: `${operatorToken}\nfct_second` }),
    code: 3,
    stderr:
      /^failoverctl: the API token is malformed \(expected fct_ and letters, digits, - or _ only, on one line\); check --token, FAILOVER_TOKEN or the config file$/,
  },
  {
    name: "revoked token",
    args: ["switchover", "alpha", "--to", "node-b"],
    env: () => ({ FAILOVER_URL: bed.server.url, FAILOVER_TOKEN: revokedToken }),
    code: 3,
    stderr: /^failoverctl: the console refused the token \(revoked, expired or mistyped\): /,
  },
  {
    name: "a VIEWER token cannot switch over",
    args: ["switchover", "alpha", "--to", "node-b"],
    env: () => ({ FAILOVER_URL: bed.server.url, FAILOVER_TOKEN: viewerToken }),
    code: 3,
    stderr: /^failoverctl: not allowed: requires the OPERATOR role$/,
  },
  { name: "cluster that does not exist", args: ["show", "omega"], env: asOperator, code: 6, stderr: /^failoverctl: cluster omega not found$/ },
  { name: "node that does not exist", args: ["switchover", "alpha", "--to", "node-z"], env: asOperator, code: 6, stderr: /^failoverctl: .*node-z.*not found/ },
  {
    name: "switch over to the active itself (the console refuses)",
    args: ["switchover", "alpha", "--to", "node-a"],
    env: asOperator,
    code: 1,
    stderr: /^failoverctl: .*node-a/,
  },
  {
    name: "console unreachable",
    args: ["list"],
    env: () => ({ FAILOVER_URL: closedUrl, FAILOVER_TOKEN: operatorToken }),
    code: 4,
    stderr: /^failoverctl: cannot reach the console at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
  },
  {
    name: "an answer that is not JSON",
    args: ["list"],
    env: () => ({ FAILOVER_URL: htmlUrl, FAILOVER_TOKEN: operatorToken }),
    code: 5,
    stderr: /^failoverctl: the answer is not JSON \(HTTP 200, text\/html\); is http:\/\/127\.0\.0\.1:\d+ the console's URL\?$/,
  },
  {
    name: "JSON that is not the documented answer",
    args: ["list"],
    env: () => ({ FAILOVER_URL: otherJsonUrl, FAILOVER_TOKEN: operatorToken }),
    code: 5,
    stderr: /^failoverctl: the answer is not what the API documents \(clusters\.0\.id: .*\); is http:\/\/127\.0\.0\.1:\d+ the console's URL\?$/,
  },
];

let closedUrl = "";

describe("failoverctl refuses bad input with one line and the documented exit code, changing nothing", () => {
  beforeAll(async () => {
    closedUrl = `http://127.0.0.1:${await freePort()}`;
  });

  for (const c of CASES) {
    it(`${c.name} -> exit ${c.code}`, async () => {
      const before = await databaseState(bed.t.prisma);
      const res = await runCli(c.args, c.env?.() ?? {});
      expect({ code: res.code, stdout: res.stdout }).toEqual({ code: c.code, stdout: "" });
      expect(res.stderr.endsWith("\n") && res.stderr.split("\n").length, res.stderr).toBe(2);
      expect(res.stderr.trimEnd()).toMatch(c.stderr);
      expect(await databaseState(bed.t.prisma)).toBe(before);
    });
  }

  it("a config file gives the URL and token; the environment wins over it, and flags over both", async () => {
    const file = path.join(tmpdir(), `failoverctl-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ url: bed.server.url, token: operatorToken }), { mode: 0o600 });
    expect(await runCli(["list", "--config", file])).toMatchObject({ code: 0, stderr: "" });
    expect(await runCli(["list"], { FAILOVER_CONFIG: file })).toMatchObject({ code: 0 });
    expect(await runCli(["list"], { FAILOVER_CONFIG: file, FAILOVER_TOKEN: revokedToken })).toMatchObject({ code: 3 });
    expect(await runCli(["list", "--token", operatorToken], { FAILOVER_CONFIG: file, FAILOVER_TOKEN: revokedToken })).toMatchObject({ code: 0 });
    writeFileSync(file, JSON.stringify({ url: bed.server.url, secret: operatorToken }));
    const bad = await runCli(["list", "--config", file]);
    expect(bad).toMatchObject({ code: 2, stdout: "" });
    expect(bad.stderr).toMatch(/^failoverctl: config file .*: Unrecognized key: "secret"\n$/);
  });

  it("fields a newer console adds to an answer are no reason to refuse it", async () => {
    const res = await runCli(["list"], { FAILOVER_URL: newerConsoleUrl, FAILOVER_TOKEN: operatorToken });
    expect(res).toEqual({ code: 0, stdout: "", stderr: "no clusters yet: an agent creates its cluster when it first starts\n" });
  });

  it("--help and COMMAND --help print usage on stdout and exit 0", async () => {
    const all = await runCli(["--help"]);
    expect(all).toMatchObject({ code: 0, stderr: "" });
    expect(all.stdout).toContain("switchover CLUSTER --to NODE");
    expect(all.stdout).toMatch(/Exit codes: 0 ok; 1 failed/);
    const one = await runCli(["audit", "--help"]);
    expect(one).toMatchObject({ code: 0, stderr: "" });
    expect(one.stdout).toMatch(/^usage: failoverctl audit .*--follow/);
  });
});
