// The subset of the Kusto Query Language the sandbox answers, for Log Analytics and Resource Graph queries
// (https://learn.microsoft.com/en-us/kusto/query/): one table, then `where`, `extend <name> = <value>`, `project`,
// `order by`/`sort by`, `take`/`limit`. A `where` compares columns (dotted paths, `a['b']`), literals (strings,
// numbers, `true`/`false`, `datetime(...)`, `ago(<timespan>)`, `now()`) and todatetime/tostring/tolower/toupper of
// either, with == != =~ !~ < <= > >= in in~ !in contains has startswith endswith, joined by and/or/not and
// parentheses. `project` takes columns and `<name> = <value>`; a value may be column_ifexists("<column>", <default>)
// (https://learn.microsoft.com/en-us/kusto/query/column-ifexists-function), and a default a typed null such as
// real(null). Anything else is refused with a message that says it is not simulated, never answered wrongly.
import { ServiceError } from "./problems.js";

export interface KqlQuery {
  table: string;
  stages: Stage[];
}

export type Stage =
  | { kind: "where"; expr: Expr }
  /** `values[i]` is the value of `columns[i]` when the query wrote `<name> = <value>`. */
  | { kind: "project"; columns: string[]; values: Array<Operand | undefined> }
  | { kind: "extend"; name: string; value: Operand }
  | { kind: "order"; keys: Array<{ column: string; desc: boolean }> }
  | { kind: "take"; count: number };

export type Expr =
  | { kind: "and"; left: Expr; right: Expr }
  | { kind: "or"; left: Expr; right: Expr }
  | { kind: "not"; expr: Expr }
  | { kind: "cmp"; op: string; left: Operand; right: Operand | Operand[] };

export type Operand =
  | { kind: "column"; path: string[] }
  | { kind: "value"; value: unknown }
  | { kind: "fn"; name: string; arg: Operand }
  | { kind: "ifexists"; column: string; fallback: Operand };

/** Scalar types whose null literal (`real(null)`) a column_ifexists default may be. */
const TYPED_NULLS = new Set(["bool", "guid", "int", "long", "real", "double", "string", "dynamic", "decimal"]);

const CONVERSIONS = new Set(["todatetime", "tostring", "tolower", "toupper"]);

type Token = { type: "str" | "num" | "id" | "op" | "punct"; text: string };

const DURATION_UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const COMPARISONS = [
  "==",
  "!=",
  "=~",
  "!~",
  "<=",
  ">=",
  "<",
  ">",
  "in~",
  "!in",
  "in",
  "contains",
  "has",
  "startswith",
  "endswith",
];

function notSimulated(what: string, dialect: string): ServiceError {
  return new ServiceError(
    400,
    "BadRequest",
    `The acr-cmk sandbox does not simulate ${what} in ${dialect} queries: it answers one table with where, project, order by, take.`,
  );
}

function tokenize(source: string, dialect: string): Token[] {
  // datetime(2026-01-02T03:04:05Z) is a literal whose inside is not tokens: quote it first.
  const text = source.replace(/\bdatetime\(\s*([^)'"]+?)\s*\)/g, 'datetime("$1")');
  const tokens: Token[] = [];
  const re =
    /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(\d+(?:\.\d+)?(?:ms|d|h|m|s)?)\b|(in~|!in|==|!=|=~|!~|<=|>=|[<>|(),[\]=])|([A-Za-z_][A-Za-z0-9_.]*))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw notSimulated(`'${text.slice(at).trim().slice(0, 20)}'`, dialect);
    at = re.lastIndex;
    if (m[1] !== undefined)
      tokens.push({
        type: "str",
        text: JSON.parse(m[1].startsWith("'") ? `"${m[1].slice(1, -1).replace(/"/g, '\\"')}"` : m[1]) as string,
      });
    else if (m[2] !== undefined) tokens.push({ type: "num", text: m[2] });
    else if (m[3] !== undefined) tokens.push({ type: /^[|(),[\]]$/.test(m[3]) ? "punct" : "op", text: m[3] });
    else tokens.push({ type: "id", text: m[4] as string });
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly now: Date,
    private readonly dialect: string,
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }
  private next(): Token {
    const token = this.tokens[this.at++];
    if (!token) throw notSimulated("a query that ends early", this.dialect);
    return token;
  }
  private expect(text: string): void {
    const token = this.next();
    if (token.text.toLowerCase() !== text)
      throw notSimulated(`'${token.text}' where '${text}' was expected`, this.dialect);
  }
  private isWord(text: string): boolean {
    const token = this.peek();
    return token !== undefined && token.type === "id" && token.text.toLowerCase() === text;
  }

  parse(): KqlQuery {
    const table = this.next();
    if (table.type !== "id") throw notSimulated(`a query that does not start with a table`, this.dialect);
    const stages: Stage[] = [];
    while (this.peek()) {
      this.expect("|");
      const op = this.next().text.toLowerCase();
      if (op === "where") stages.push({ kind: "where", expr: this.orExpr() });
      else if (op === "project") {
        const items = this.list(() => this.projectItem());
        stages.push({ kind: "project", columns: items.map((i) => i.name), values: items.map((i) => i.value) });
      } else if (op === "extend") {
        const name = this.next().text;
        const eq = this.next();
        if (eq.text !== "=") throw notSimulated("an extend without '<name> ='", this.dialect);
        stages.push({ kind: "extend", name, value: this.operand() });
      } else if (op === "order" || op === "sort") {
        this.expect("by");
        stages.push({ kind: "order", keys: this.list(() => this.orderKey()) });
      } else if (op === "take" || op === "limit") stages.push({ kind: "take", count: Number(this.next().text) });
      else throw notSimulated(`the '${op}' operator`, this.dialect);
    }
    return { table: table.text, stages };
  }

  private list<T>(item: () => T): T[] {
    const out = [item()];
    while (this.peek()?.text === ",") {
      this.next();
      out.push(item());
    }
    return out;
  }

  private projectItem(): { name: string; value: Operand | undefined } {
    const name = this.next().text;
    if (this.peek()?.text !== "=") return { name, value: undefined };
    this.next();
    return { name, value: this.operand() };
  }

  private orderKey(): { column: string; desc: boolean } {
    const column = this.next().text;
    let desc = true; // Kusto's default order is descending.
    if (this.isWord("asc") || this.isWord("desc")) desc = this.next().text.toLowerCase() === "desc";
    return { column, desc };
  }

  private orExpr(): Expr {
    let left = this.andExpr();
    while (this.isWord("or")) {
      this.next();
      left = { kind: "or", left, right: this.andExpr() };
    }
    return left;
  }

  private andExpr(): Expr {
    let left = this.unary();
    while (this.isWord("and")) {
      this.next();
      left = { kind: "and", left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isWord("not")) {
      this.next();
      this.expect("(");
      const expr = this.orExpr();
      this.expect(")");
      return { kind: "not", expr };
    }
    if (this.peek()?.text === "(") {
      this.next();
      const expr = this.orExpr();
      this.expect(")");
      return expr;
    }
    const left = this.operand();
    const op = this.next().text.toLowerCase();
    if (!COMPARISONS.includes(op)) throw notSimulated(`the '${op}' comparison`, this.dialect);
    if (op === "in" || op === "in~" || op === "!in") {
      this.expect("(");
      const values = this.list(() => this.operand());
      this.expect(")");
      return { kind: "cmp", op, left, right: values };
    }
    return { kind: "cmp", op, left, right: this.operand() };
  }

  private operand(): Operand {
    const token = this.next();
    if (token.type === "str") return { kind: "value", value: token.text };
    if (token.type === "num") return { kind: "value", value: Number(token.text) };
    if (token.type !== "id") throw notSimulated(`'${token.text}' as a value`, this.dialect);
    const word = token.text.toLowerCase();
    if (word === "true" || word === "false") return { kind: "value", value: word === "true" };
    if (this.peek()?.text === "(" && word === "column_ifexists") {
      this.next();
      const column = this.next();
      if (column.type !== "str") throw notSimulated("column_ifexists() without a column name string", this.dialect);
      this.expect(",");
      const fallback = this.operand();
      this.expect(")");
      return { kind: "ifexists", column: column.text, fallback };
    }
    if (this.peek()?.text === "(" && CONVERSIONS.has(word)) {
      this.next();
      const arg = this.operand();
      this.expect(")");
      return { kind: "fn", name: word, arg };
    }
    if (this.peek()?.text === "(") {
      this.next();
      const value = this.call(word);
      this.expect(")");
      return { kind: "value", value };
    }
    const path = token.text.split(".");
    while (this.peek()?.text === "[") {
      this.next();
      path.push(this.next().text);
      this.expect("]");
    }
    return { kind: "column", path };
  }

  private call(name: string): unknown {
    if (name === "now") return this.now.getTime();
    const arg = this.next();
    if (TYPED_NULLS.has(name) && arg.text.toLowerCase() === "null") return null;
    if (name === "ago") return this.now.getTime() - duration(arg.text, this.dialect);
    if (name === "datetime") {
      const ms = Date.parse(arg.text);
      if (Number.isNaN(ms)) throw notSimulated(`datetime(${arg.text})`, this.dialect);
      return ms;
    }
    throw notSimulated(`the function ${name}()`, this.dialect);
  }
}

function duration(text: string, dialect: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|d|h|m|s)$/.exec(text);
  if (!m) throw notSimulated(`the timespan '${text}'`, dialect);
  return Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
}

export function parseKql(text: string, now: Date, dialect: string): KqlQuery {
  return new Parser(tokenize(text, dialect), now, dialect).parse();
}

export { operandColumns, runKql, type ColumnExists } from "./kql-run.js";
