import type { AuditEvent } from "../db/client";

export const AUDIT_CSV_COLUMNS = [
  "id",
  "at",
  "actor",
  "action",
  "cluster",
  "service",
  "node",
  "fromRole",
  "toRole",
  "epoch",
  "commandId",
  "reason",
  "details",
] as const;

// A cell starting with one of these is a formula in spreadsheet programs; prefix it so it stays text.
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: AuditEvent[keyof AuditEvent]): string {
  if (value === null || value === undefined) return "";
  let text = value instanceof Date ? value.toISOString() : typeof value === "object" ? JSON.stringify(value) : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV (CRLF line ends), one row per audit event, in the order given. */
export function auditEventsToCsv(events: AuditEvent[]): string {
  const lines = [AUDIT_CSV_COLUMNS.join(",")];
  for (const e of events) {
    lines.push(
      [e.id, e.at, e.actor, e.action, e.clusterName, e.service, e.nodeName, e.fromRole, e.toRole, e.epoch, e.commandId, e.reason, e.details]
        .map(cell)
        .join(","),
    );
  }
  return lines.join("\r\n") + "\r\n";
}
