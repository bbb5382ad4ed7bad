// A run's end: the checklist as it finished beside what happened, the evidence of its last check, what to do next and
// the commands that undo its changes. Commands wrap, never cut; what does not fit scrolls.
import type { RunView, StepView } from "../../runs/types.js";
import { undoOrder } from "../../runs/undo.js";
import { statusWords } from "../format.js";
import { useScroll } from "../hooks/use-scroll.js";
import { BLANK_ROW, bulletRows, capRows, commandRows, paragraphRows, type Row } from "../rows.js";
import { statusTone } from "../theme.js";
import { stepRow } from "./RunChecklist.js";
import { RowColumns, RowList } from "./RowList.js";
import { EVIDENCE_LINE_ROWS } from "./StepDetail.js";

/** Below this many columns the checklist goes under the outcome instead of beside it. */
export const SIDE_BY_SIDE_COLUMNS = 64;

function checkRows(step: StepView, width: number, label: string): Row[] {
  return [
    [
      { text: label, dim: true },
      { text: step.title, bold: true },
    ],
    ...(step.evidence ?? []).flatMap((line) => capRows(bulletRows(line, width), EVIDENCE_LINE_ROWS)),
  ];
}

function countWords(steps: readonly StepView[]): string {
  const count = (status: StepView["status"]) => steps.filter((step) => step.status === status).length;
  return [
    `${count("done")} done`,
    count("skipped") ? `${count("skipped")} skipped` : "",
    count("failed") ? `${count("failed")} failed` : "",
  ]
    .filter(Boolean)
    .join(", ");
}

/** The checklist column: every step with its mark, under a count. */
export function finishedChecklistRows(view: RunView): Row[] {
  return [[{ text: `Steps: ${countWords(view.steps)}`, dim: true }], ...view.steps.map(stepRow)];
}

/** The outcome column, most needed first: result, why it stopped, last check, next steps, undo, earlier checks. */
export function outcomeRows(view: RunView, width: number): Row[] {
  const mark = view.status === "succeeded" ? "✔" : "✖";
  const rows: Row[] = [
    [{ text: `${mark} Run ${statusWords(view.status)}`, bold: true, tone: statusTone(view.status) }],
  ];
  if (view.outcome) rows.push(...paragraphRows(view.outcome.summary, width));
  if (view.status === "failed" && view.error) {
    rows.push(...paragraphRows(`Stopped at ${view.error.step}: ${view.error.message}`, width, { tone: "danger" }));
    if (view.error.requestId)
      rows.push(...paragraphRows(`Azure request id ${view.error.requestId}`, width, { dim: true }));
    rows.push(...paragraphRows("t tries the step again; q leaves, and the run stays resumable.", width, { dim: true }));
  }
  const checks = view.steps.filter((step) => step.kind === "verify" && step.status === "done");
  // A run that ended before any verification (nothing to recover, say) shows what its last check found instead.
  const last =
    checks.at(-1) ??
    view.steps.filter((step) => step.kind === "check" && step.status === "done" && step.evidence?.length).at(-1);
  if (last) rows.push(BLANK_ROW, ...checkRows(last, width, "Last check: "));
  const manual = view.steps.filter((step) => step.kind === "manual" && step.status === "done" && step.evidence?.length);
  const nextSteps = view.outcome?.nextSteps ?? [];
  if (nextSteps.length > 0 || manual.length > 0) {
    rows.push(BLANK_ROW, [{ text: "Next:", dim: true }]);
    for (const step of nextSteps) rows.push(...bulletRows(step, width));
    for (const step of manual) for (const line of step.evidence ?? []) rows.push(...bulletRows(line, width));
  }
  const undo = undoOrder(view);
  if (undo.length > 0) {
    rows.push(BLANK_ROW, [{ text: "Undo (newest change first; printed again on exit):", dim: true }]);
    for (const command of undo) rows.push(...commandRows(command, width, "  "));
  }
  const earlier = checks.slice(0, -1).reverse();
  if (earlier.length > 0) {
    rows.push(BLANK_ROW);
    for (const step of earlier) rows.push(...checkRows(step, width, "Checked: "));
  }
  return rows;
}

export interface RunOutcomeProps {
  view: RunView;
  /** Columns and rows the outcome may take. */
  width: number;
  height: number;
  /** Width of the checklist column (the run screen's, so the checklist stays where it was). */
  checklistWidth: number;
  /** Its scroll keys work. */
  isActive?: boolean;
}

export function RunOutcome({ view, width, height, checklistWidth, isActive = true }: RunOutcomeProps) {
  const beside = width >= SIDE_BY_SIDE_COLUMNS;
  const checklist = finishedChecklistRows(view);
  const left = beside ? checklist : [];
  const right = beside
    ? outcomeRows(view, width - checklistWidth - 1)
    : [...outcomeRows(view, width), BLANK_ROW, ...checklist];
  const scroll = useScroll(Math.max(left.length, right.length), height, isActive);
  const window = { left: left.slice(scroll.start, scroll.end), right: right.slice(scroll.start, scroll.end) };
  return (
    <>
      {beside ? (
        <RowColumns left={window.left} right={window.right} leftWidth={checklistWidth} />
      ) : (
        <RowList rows={window.right} />
      )}
      {scroll.indicator ? <RowList rows={[scroll.indicator]} /> : null}
    </>
  );
}
