// The timeline as the diagnosis prints it: newest first, one line per change, then the first failing unwrap and the
// sources that could not be read (which, why, the role that would allow it).
import type { SourceStatus, Timeline, TimelineEntry } from "./types.js";

const SOURCE_NAMES: Record<SourceStatus["source"], string> = {
  "resource-changes": "Resource Graph resource changes",
  "activity-log": "Activity Log",
  "key-vault-audit": "Key Vault audit events",
  "diagnostic-settings": "the vault's diagnostic settings",
};

export function entryLine(entry: TimelineEntry): string {
  const when = `${entry.time.slice(0, 10)} ${entry.time.slice(11, 16)}`;
  const client = entry.client ? ` (${entry.client})` : "";
  return `${when}  ${entry.actor ?? "(unknown)"}  ${entry.detail}${client}  [${entry.source}]`;
}

export function renderTimelineText(entries: TimelineEntry[], info: Omit<Timeline, "entries">, limit = 20): string[] {
  const lines = [`Timeline since ${info.since.slice(0, 16).replace("T", " ")} UTC, newest first:`];
  if (entries.length === 0) lines.push("  no changes found in the sources that could be read");
  for (const entry of entries.slice(0, limit)) lines.push(`  ${entryLine(entry)}`);
  if (entries.length > limit) lines.push(`  … ${entries.length - limit} older (--output json has them all)`);
  const u = info.unwrapFailures;
  if (u) {
    lines.push(
      `  The registry's unwraps have failed since ${u.firstAt.slice(0, 16).replace("T", " ")} UTC: ${u.status ?? "?"} ${u.code ?? ""} from ${u.callerIp ?? "?"} (${u.count}×).`,
    );
  }
  for (const s of info.sources.filter((x) => !x.read)) {
    lines.push(
      `  not read: ${SOURCE_NAMES[s.source]}: ${s.reason ?? "unknown reason"}${s.role ? ` (grant ${s.role})` : ""}`,
    );
  }
  for (const s of info.sources.filter((x) => x.read && x.note))
    lines.push(`  note: ${SOURCE_NAMES[s.source]}: ${s.note}`);
  return lines;
}
