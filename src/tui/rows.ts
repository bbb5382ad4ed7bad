// Screen rows built ahead of rendering: each Row is exactly one terminal row, so a screen can count what it is about
// to draw, give the rows to what matters most, and scroll the rest instead of letting Ink cut it off.
import type { Tone } from "./theme.js";
import { widthOf, wrapCommand, wrapText } from "./wrap.js";

export interface Span {
  text: string;
  tone?: Tone;
  bold?: boolean;
  dim?: boolean;
}

export type Row = readonly Span[];

export type SpanStyle = Omit<Span, "text">;

export const BLANK_ROW: Row = [];

/** Text wrapped to `width`, every row starting with `indent`. */
export function paragraphRows(text: string, width: number, style: SpanStyle = {}, indent = ""): Row[] {
  return wrapText(text, width - widthOf(indent)).map((line) => [{ text: indent + line, ...style }]);
}

/** `label value…` with the value wrapped in its own column, so a long resource id stays readable under its label. */
export function labelledRows(label: string, value: string, width: number, labelWidth: number, style: SpanStyle = {}) {
  const pad = " ".repeat(labelWidth);
  return wrapText(value, width - labelWidth).map((line, index): Row => [
    { text: index === 0 ? label.padEnd(labelWidth) : pad, dim: true },
    { text: line, ...style },
  ]);
}

/** A bullet whose continuation rows line up under its text. */
export function bulletRows(text: string, width: number, style: SpanStyle = {}, indent = "  ", mark = "• "): Row[] {
  const lead = indent + mark;
  return wrapText(text, width - widthOf(lead)).map((line, index) => [
    { text: index === 0 ? lead : " ".repeat(widthOf(lead)), dim: true },
    { text: line, ...style },
  ]);
}

/** An `az` command, wrapped between its arguments (see wrapCommand), after `indent`. */
export function commandRows(command: string, width: number, indent = ""): Row[] {
  return wrapCommand(command, width - widthOf(indent)).map((line) => [{ text: indent + line, tone: "info" }]);
}

/** At most `max` rows; when some are cut, the last row kept says so with an ellipsis. */
export function capRows(rows: readonly Row[], max: number): Row[] {
  if (rows.length <= max) return [...rows];
  if (max <= 0) return [];
  const kept = rows.slice(0, max);
  const last = kept[max - 1] ?? BLANK_ROW;
  kept[max - 1] = [...last, { text: " …", dim: true }];
  return kept;
}

/** The plain text of a row (tests and width checks). */
export function rowText(row: Row): string {
  return row.map((span) => span.text).join("");
}
