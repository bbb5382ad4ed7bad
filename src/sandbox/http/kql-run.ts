// Runs a parsed KQL query (kql.ts) over rows: the stages in order, with Kusto's comparisons and column_ifexists().
import type { Expr, KqlQuery, Operand } from "./kql.js";

/** Whether the table (as the query has shaped it so far) has a column: what column_ifexists() asks. */
export type ColumnExists = (column: string) => boolean;

function lookup(row: Record<string, unknown>, path: string[]): unknown {
  let value: unknown = row;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    const entries = Object.entries(value as Record<string, unknown>);
    value =
      entries.find(([k]) => k === part)?.[1] ?? entries.find(([k]) => k.toLowerCase() === part.toLowerCase())?.[1];
  }
  return value;
}

/** Dates compare as epoch milliseconds, whichever side wrote them as an ISO string. */
function comparable(value: unknown, other: unknown): unknown {
  if (typeof value === "string" && typeof other === "number" && /^\d{4}-\d\d-\d\dT/.test(value))
    return Date.parse(value);
  return value;
}

function compare(op: string, a: unknown, b: unknown): boolean {
  const x = comparable(a, b);
  const y = comparable(b, a);
  const sx = String(x ?? "").toLowerCase();
  const sy = String(y ?? "").toLowerCase();
  switch (op) {
    case "==":
      return x === y;
    case "!=":
      return x !== y;
    case "=~":
      return sx === sy;
    case "!~":
      return sx !== sy;
    case "<":
      return (x as number) < (y as number);
    case "<=":
      return (x as number) <= (y as number);
    case ">":
      return (x as number) > (y as number);
    case ">=":
      return (x as number) >= (y as number);
    case "contains":
    case "has":
      return sx.includes(sy);
    case "startswith":
      return sx.startsWith(sy);
    case "endswith":
      return sx.endsWith(sy);
    default:
      return false;
  }
}

/** The plain columns a value reads (column_ifexists' own column is only looked for, not required). */
export function operandColumns(o: Operand | undefined): string[] {
  if (!o || o.kind === "value") return [];
  if (o.kind === "column") return [o.path.join(".")];
  return operandColumns(o.kind === "fn" ? o.arg : o.fallback);
}

function operandValue(o: Operand, row: Record<string, unknown>, exists: ColumnExists): unknown {
  if (o.kind === "column") return lookup(row, o.path);
  if (o.kind === "value") return o.value;
  if (o.kind === "ifexists")
    return exists(o.column) ? lookup(row, o.column.split(".")) : operandValue(o.fallback, row, exists);
  const v = operandValue(o.arg, row, exists);
  if (o.name === "todatetime") {
    const ms = typeof v === "number" ? v : Date.parse(String(v));
    return Number.isNaN(ms) ? null : ms;
  }
  if (v === undefined || v === null) return v;
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return o.name === "tolower" ? s.toLowerCase() : o.name === "toupper" ? s.toUpperCase() : s;
}

function evaluate(expr: Expr, row: Record<string, unknown>, exists: ColumnExists): boolean {
  if (expr.kind === "and") return evaluate(expr.left, row, exists) && evaluate(expr.right, row, exists);
  if (expr.kind === "or") return evaluate(expr.left, row, exists) || evaluate(expr.right, row, exists);
  if (expr.kind === "not") return !evaluate(expr.expr, row, exists);
  const value = (o: Operand) => operandValue(o, row, exists);
  const left = value(expr.left);
  if (Array.isArray(expr.right)) {
    const values = expr.right.map(value);
    const hit = values.some((v) => (expr.op === "in~" ? compare("=~", left, v) : compare("==", left, v)));
    return expr.op === "!in" ? !hit : hit;
  }
  return compare(expr.op, left, value(expr.right));
}

/**
 * Runs the stages over `rows` (objects keyed by column name); `project` keeps the named columns in that order.
 * `tableHas` says which columns the table has (by default: those some row has); a stage's own columns are added.
 */
export function runKql(
  query: KqlQuery,
  rows: Array<Record<string, unknown>>,
  tableHas: ColumnExists = (c) => rows.some((row) => lookup(row, c.split(".")) !== undefined),
): { rows: Array<Record<string, unknown>>; columns?: string[] } {
  let out = rows;
  let columns: string[] | undefined;
  let exists = tableHas;
  for (const stage of query.stages) {
    if (stage.kind === "where") out = out.filter((row) => evaluate(stage.expr, row, exists));
    else if (stage.kind === "extend") {
      const e = exists;
      out = out.map((row) => ({ ...row, [stage.name]: operandValue(stage.value, row, e) }));
      exists = (c) => c === stage.name || e(c);
    } else if (stage.kind === "take") out = out.slice(0, stage.count);
    else if (stage.kind === "project") {
      const e = exists;
      columns = stage.columns;
      out = out.map((row) =>
        Object.fromEntries(
          stage.columns.map((c, i) => {
            const value = stage.values[i];
            return [c, value ? operandValue(value, row, e) : lookup(row, c.split("."))];
          }),
        ),
      );
      const kept = new Set(stage.columns);
      exists = (c) => kept.has(c);
    } else {
      out = [...out].sort((a, b) => {
        for (const key of stage.keys) {
          const x = comparable(lookup(a, key.column.split(".")), 0) as number | string;
          const y = comparable(lookup(b, key.column.split(".")), 0) as number | string;
          if (x === y) continue;
          return (x < y ? -1 : 1) * (key.desc ? -1 : 1);
        }
        return 0;
      });
    }
  }
  return columns ? { rows: out, columns } : { rows: out };
}
