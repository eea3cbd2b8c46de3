// JSON lines on stdout. `mono` is process.hrtime (CLOCK_MONOTONIC): comparable across processes
// on one machine, which is how the tests prove that no two agents' active intervals overlap.
export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export type Logger = {
  [K in LogLevel]: (msg: string, fields?: Record<string, unknown>) => void;
};

export const monoNow = () => process.hrtime.bigint();

export function createLogger(
  base: Record<string, unknown>,
  minLevel: LogLevel = "info",
  write: (line: string) => unknown = (line) => process.stdout.write(line + "\n"),
): Logger {
  const emit =
    (level: LogLevel) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (ORDER[level] < ORDER[minLevel]) return;
      const line = { t: new Date().toISOString(), mono: monoNow(), level, msg, ...base, ...fields };
      write(JSON.stringify(line, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
    };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}
