// Plain-text output: aligned tables (like patronictl list) and short durations.

/** Columns padded to their widest cell, two spaces apart; no trailing spaces. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [headers, ...rows]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** 850 ms, 4.2 s, 5 s, 3 min 5 s, 10 min, 2 h 10 min, 3 d 4 h; "-" for null. */
export function duration(ms: number | null): string {
  if (ms === null) return "-";
  const sign = ms < 0 ? "-" : "";
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(1).replace(/\.0$/, "")} s`;
  const s = Math.round(a / 1000);
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) => `${sign}${big} ${bigUnit}${small ? ` ${small} ${smallUnit}` : ""}`;
  if (s < 3600) return two(Math.floor(s / 60), "min", s % 60, "s");
  if (s < 86_400) return two(Math.floor(s / 3600), "h", Math.floor((s % 3600) / 60), "min");
  return two(Math.floor(s / 86_400), "d", Math.floor((s % 86_400) / 3600), "h");
}

/** An ISO time as the operator's local time, to the second. */
export function time(iso: string | null): string {
  if (iso === null) return "-";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export const yesNo = (b: boolean) => (b ? "yes" : "no");
