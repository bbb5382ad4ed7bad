// What changed around the registry, newest first, one change a row: when, who, what operation, on which resource, and
// which source says so. Bounded: as many rows as the screen gives it, then a count of the older ones (`acr-cmk
// diagnose` prints them all).
import { keyIdParts } from "../../diagnosis/timeline/entries.js";
import type { TimelineEntry, TimelineSource } from "../../diagnosis/timeline/types.js";
import type { Row } from "../rows.js";
import { widthOf } from "../wrap.js";
import { RowList } from "./RowList.js";

export interface TimelinePanelProps {
  entries: readonly TimelineEntry[] | undefined;
  width: number;
  /** Rows the panel may take, its heading included. */
  maxRows: number;
}

const SOURCE_LABEL: Record<TimelineSource, string> = {
  "resource-changes": "resource graph",
  "activity-log": "activity log",
  "key-vault-audit": "key vault audit",
};

const pad = (text: string, width: number) => text + " ".repeat(Math.max(0, width - widthOf(text)));

/** Exactly `width` columns: cut with an ellipsis when longer, padded when shorter. */
function fit(text: string, width: number): string {
  if (widthOf(text) <= width) return pad(text, width);
  let out = "";
  for (const char of text) {
    if (widthOf(out + char) > width - 1) break;
    out += char;
  }
  return pad(`${out}…`, width);
}

/** "vaults/delete" for Microsoft.KeyVault/vaults/delete; Key Vault's own names (KeyDelete) as they are. */
function shortOperation(operation: string): string {
  const parts = operation.split("/");
  return parts.length > 2 ? parts.slice(-2).join("/") : operation;
}

/** The resource's own name: the key for a key id, the last segment of a resource id. */
function resourceName(resourceId: string): string {
  const key = keyIdParts(resourceId);
  if (key) return `key ${key.key}`;
  return resourceId.split("/").filter(Boolean).pop() ?? resourceId;
}

/** Rows the panel takes at most: the heading, the changes, and the count of older ones. */
export function timelineHeight(entries: readonly TimelineEntry[] | undefined, limit: number): number {
  if (!entries) return 0;
  return Math.max(0, Math.min(limit, entries.length === 0 ? 1 : entries.length + 1));
}

/** Column widths for a terminal `width` wide: time and source fixed, the rest shared. */
function columns(width: number) {
  const time = 11;
  const source = 15;
  const rest = Math.max(12, width - time - source - 4);
  const actor = Math.min(24, Math.floor(rest * 0.4));
  const operation = Math.min(26, Math.floor((rest - actor) * 0.55));
  return { time, actor, operation, resource: rest - actor - operation, source };
}

export function timelineRows(entries: readonly TimelineEntry[] | undefined, width: number, maxRows: number): Row[] {
  if (!entries || maxRows < 1) return [];
  if (entries.length === 0) {
    return [[{ text: "Timeline: no changes found in the sources that could be read", dim: true }]];
  }
  if (maxRows < 2) return [];
  const room = maxRows - 1;
  const shown = entries.length <= room ? entries.length : room - 1;
  const older = entries.length - shown;
  const c = columns(width);
  const rows: Row[] = [
    [
      { text: "Timeline", bold: true },
      { text: ` (UTC, newest first, ${entries.length} change${entries.length === 1 ? "" : "s"})`, dim: true },
    ],
  ];
  for (const entry of entries.slice(0, shown)) {
    rows.push([
      { text: `${fit(`${entry.time.slice(5, 10)} ${entry.time.slice(11, 16)}`, c.time)} `, dim: true },
      { text: `${fit(entry.actor ?? "(unknown)", c.actor)} ` },
      { text: `${fit(shortOperation(entry.operation), c.operation)} `, tone: "warning" },
      { text: `${fit(resourceName(entry.resourceId), c.resource)} ` },
      { text: fit(SOURCE_LABEL[entry.source], c.source).trimEnd(), dim: true },
    ]);
  }
  if (older > 0) rows.push([{ text: `… ${older} older (acr-cmk diagnose shows them all)`, dim: true }]);
  return rows;
}

export function TimelinePanel({ entries, width, maxRows }: TimelinePanelProps) {
  return <RowList rows={timelineRows(entries, width, maxRows)} />;
}
