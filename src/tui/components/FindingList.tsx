// The diagnosis: findings most severe first, each with what it means and the evidence that says so.
import type { Finding } from "../../diagnosis/types.js";
import { evidenceLine, sortBySeverity } from "../format.js";
import { capRows, paragraphRows, type Row } from "../rows.js";
import { SEVERITY_TONE } from "../theme.js";
import { RowList } from "./RowList.js";

export interface FindingListProps {
  findings: readonly Finding[];
  width: number;
  /** Rows the list may take; at least one finding shows whatever this says. */
  maxRows: number;
  /** What the findings are about, for "no findings" (default "the registry"). */
  subject?: string;
}

const LABEL = { critical: "CRITICAL", warning: "WARNING ", info: "INFO    " } as const;

/** Rows a finding takes at least: its title, the first row of what it means, its evidence. */
const FINDING_ROWS = 3;

/**
 * The findings as rows. As many as fit get a title, the start of their explanation and their evidence; rows left
 * over let the explanations of the most severe ones wrap in full (they say what happened and what to do).
 */
export function findingRows(
  findings: readonly Finding[],
  width: number,
  maxRows: number,
  subject = "the registry",
): Row[] {
  const sorted = sortBySeverity(findings);
  if (sorted.length === 0) return [[{ text: `✔ No findings: ${subject} can read its key.`, tone: "success" }]];
  const fitting = Math.floor(maxRows / FINDING_ROWS);
  const count = Math.max(1, fitting >= sorted.length ? sorted.length : Math.floor((maxRows - 1) / FINDING_ROWS));
  const hidden = sorted.length - count;
  let spare = maxRows - count * FINDING_ROWS - (hidden > 0 ? 1 : 0);
  const rows: Row[] = [];
  for (const finding of sorted.slice(0, count)) {
    // The change that caused it comes before any more of the explanation: who, when, with what.
    const cause =
      finding.cause && spare > 0 ? paragraphRows(`← ${finding.cause}`, width, { tone: "warning" }, "  ") : [];
    const causeRows = capRows(cause, Math.min(spare, 2));
    spare -= causeRows.length;
    const detail = paragraphRows(finding.detail, width, {}, "  ");
    const extra = Math.max(0, Math.min(spare, detail.length - 1));
    spare -= extra;
    rows.push(
      [
        { text: LABEL[finding.severity], bold: true, tone: SEVERITY_TONE[finding.severity] },
        { text: ` ${finding.title}`, bold: true },
        { text: ` ${finding.id}`, dim: true },
      ],
      ...causeRows,
      ...capRows(detail, 1 + extra),
    );
    if (Object.keys(finding.evidence).length > 0) {
      rows.push([{ text: `  evidence: ${evidenceLine(finding.evidence)}`, dim: true }]);
    }
  }
  if (hidden > 0) rows.push([{ text: `… ${hidden} more (acr-cmk diagnose shows them all)`, dim: true }]);
  return rows;
}

export function FindingList({ findings, width, maxRows, subject }: FindingListProps) {
  return <RowList rows={findingRows(findings, width, maxRows, subject)} />;
}
