// failoverctl: the operator's command line for the failover console's REST API (docs/cli.md).
// Bundled into dist/failoverctl.mjs by scripts/build-cli.mjs; needs only Node.js 20+.
import { parseArgs } from "node:util";
import { apiClient, type ApiClient } from "./api-client";
import type { CommandContext, CommandSpec, Options, Values } from "./command";
import { audit, history } from "./commands/audit";
import { list } from "./commands/list";
import { rebalance } from "./commands/rebalance";
import { demote, promote, switchover } from "./commands/role-change";
import { services } from "./commands/services";
import { show } from "./commands/show";
import { maintenance, pause, priority, remove, resume } from "./commands/settings";
import { resolveConnection } from "./connection";
import { CliError, EXIT, usageError, type ExitCode } from "./exit-codes";

const COMMANDS: Record<string, CommandSpec> = {
  list,
  show,
  services,
  switchover,
  promote,
  demote,
  rebalance,
  pause,
  resume,
  maintenance,
  priority,
  remove,
  audit,
  history,
};

const GLOBAL_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  config: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

const USAGE = `usage: failoverctl [--url URL] [--token TOKEN] [--config FILE] COMMAND [ARGS] [--json]

Commands:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage}\n      ${c.summary}`)
  .join("\n")}

Connection: --url or FAILOVER_URL (the console, e.g. https://failover.example.com), --token or
FAILOVER_TOKEN (an API token, fct_...), or a JSON file {"url": ..., "token": ...} named by --config
or FAILOVER_CONFIG (default ~/.config/failoverctl/config.json). Flags win over the environment,
which wins over the file.

Exit codes: 0 ok; 1 failed (the command FAILED, EXPIRED or was CANCELLED, or the console refused
the change); 2 usage; 3 authentication or permission; 4 console (or its database) unreachable;
5 an answer that is not the API's; 6 no such cluster, service, node or command.

Services: a cluster may run several services (each with its own active node). --service NAME
picks one; left out, a cluster of one service needs none, and on a cluster of several, pause,
resume, maintenance, priority and remove apply to every service, while the others ask for it (exit 2).`;

export type Io = { stdout: (text: string) => void; stderr: (text: string) => void };

/** Runs one invocation; returns its exit code (main() below exits with it). */
export async function run(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<ExitCode> {
  try {
    const name = subcommand(argv);
    if (name === undefined && !argv.some((a) => a === "--help" || a === "-h")) throw usageError("missing COMMAND (failoverctl --help lists them)");
    if (name === undefined || name === "help") {
      const topic = name === "help" ? argv[argv.indexOf("help") + 1] : undefined;
      const spec = topic !== undefined ? COMMANDS[topic] : undefined;
      if (topic !== undefined && !spec) throw usageError(`unknown command ${JSON.stringify(topic)} (failoverctl --help lists them)`);
      io.stdout(spec ? commandHelp(topic!, spec) : USAGE);
      return EXIT.OK;
    }
    const spec = COMMANDS[name];
    if (!spec) throw usageError(`unknown command ${JSON.stringify(name)} (failoverctl --help lists them)`);
    const { values, positionals } = parseCommandLine(name, spec, argv);
    if (values.help) {
      io.stdout(commandHelp(name, spec));
      return EXIT.OK;
    }
    const args = positionals.slice(positionals.indexOf(name) + 1);
    checkPositionals(name, spec, args);
    // Connected on the first call, so a command's own usage errors come first.
    let client: ApiClient | undefined;
    const connect = () => (client ??= apiClient(resolveConnection({ url: str(values.url), token: str(values.token), config: str(values.config) }, env)));
    const ctx: CommandContext = {
      api: { call: (...request) => connect().call(...request) },
      args,
      values,
      json: values.json === true,
      print: io.stdout,
      note: io.stderr,
    };
    const code = await spec.run(ctx);
    return typeof code === "number" ? code : EXIT.OK;
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`failoverctl: ${err.message}`);
      return err.exitCode;
    }
    io.stderr(`failoverctl: unexpected error: ${(err as Error).stack ?? String(err)}`);
    return EXIT.FAILED;
  }
}

const str = (v: unknown) => (typeof v === "string" ? v : undefined);

/** The first positional, skipping global options and their values. */
function subcommand(argv: string[]): string | undefined {
  const { tokens } = parseArgs({ args: argv, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  return tokens.find((t) => t.kind === "positional")?.value;
}

function parseCommandLine(name: string, spec: CommandSpec, argv: string[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...spec.options }, strict: true, allowPositionals: true });
    return { values, positionals };
  } catch (err) {
    // node:util's messages are long and suggest `--`; one line naming the option is enough.
    const message = (err as Error).message;
    const option = /'(-[^']*)'/.exec(message)?.[1];
    const code = (err as { code?: string }).code;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw usageError(`${name}: unknown option ${option} (failoverctl ${name} --help)`);
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE")
      throw usageError(`${name}: option ${option?.split(" ")[0] ?? ""} ${/argument missing/.test(message) ? "needs a value" : "takes no value"}`);
    throw usageError(`${name}: ${message.split("\n")[0]}`);
  }
}

function checkPositionals(name: string, spec: CommandSpec, args: string[]) {
  const usage = `(usage: failoverctl ${spec.usage})`;
  const required = spec.positionals.filter((p) => !p.optional);
  if (args.length < required.length) throw usageError(`${name}: missing ${required[args.length].name} ${usage}`);
  if (args.length > spec.positionals.length && !spec.morePositionals)
    throw usageError(`${name}: unexpected argument ${JSON.stringify(args[spec.positionals.length])} ${usage}`);
}

function commandHelp(name: string, spec: CommandSpec): string {
  return `usage: failoverctl ${spec.usage}\n\n${spec.summary}${spec.changes ? "\n\n--reason TEXT is written to the audit log with the change." : ""}`;
}

/** Standalone entry: the bundled file runs this. */
export async function main() {
  const code = await run(process.argv.slice(2), process.env, {
    stdout: (t) => void process.stdout.write(t + "\n"),
    stderr: (t) => void process.stderr.write(t + "\n"),
  });
  // Let stdout drain (a pipe to `jq`, `head`) before exiting.
  process.exitCode = code;
}
