// `acr-cmk runbooks` and `acr-cmk runbooks show <id> [--format table|mermaid]`: what each runbook does, step by step,
// with the Azure CLI equivalent of every step — read from the machines themselves.
import { z } from "zod";
import { RUNBOOKS, getRunbook } from "../../machines/index.js";
import { toMermaid } from "../../machines/mermaid.js";
import { printJson, type CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import type { CommandRunner } from "../program.js";

const showOptions = z.object({ format: z.enum(["table", "mermaid"]).default("table") });

export const listRunbooksCommand: CommandRunner = async (ctx: CliContext) => {
  const runbooks = Object.values(RUNBOOKS).map((r) => ({
    id: r.id,
    title: r.title,
    summary: r.summary,
    steps: r.steps.length,
  }));
  if (ctx.globals.output === "json") {
    printJson(ctx, { runbooks });
    return 0;
  }
  const width = Math.max(...runbooks.map((r) => r.id.length));
  for (const r of runbooks) {
    ctx.stdout.write(`${r.id.padEnd(width)}  ${r.title}\n${" ".repeat(width + 2)}${r.summary}\n\n`);
  }
  ctx.stdout.write("Details: acr-cmk runbooks show <id> [--format mermaid]\n");
  return 0;
};

export const showRunbookCommand: CommandRunner = async (
  ctx: CliContext,
  options: Record<string, unknown>,
  id?: string,
) => {
  const parsed = showOptions.safeParse({ format: options.format });
  if (!parsed.success)
    throw new UsageError(`--format must be "table" or "mermaid" (got ${JSON.stringify(options.format)})`);
  const runbook = id ? getRunbook(id) : undefined;
  if (!runbook) {
    throw new UsageError(
      `unknown runbook ${JSON.stringify(id ?? "")}: expected one of ${Object.keys(RUNBOOKS).join(", ")}`,
    );
  }
  if (parsed.data.format === "mermaid") {
    if (ctx.globals.output === "json") printJson(ctx, { id: runbook.id, mermaid: toMermaid(runbook.machine) });
    else ctx.stdout.write(toMermaid(runbook.machine) + "\n");
    return 0;
  }
  if (ctx.globals.output === "json") {
    printJson(ctx, { id: runbook.id, title: runbook.title, summary: runbook.summary, steps: runbook.steps });
    return 0;
  }
  const out: string[] = [`${runbook.title} (${runbook.id})`, "", runbook.summary, ""];
  runbook.steps.forEach((step, i) => {
    const risk = step.risk === "none" ? "" : `, risk ${step.risk}${step.irreversible ? ", irreversible" : ""}`;
    out.push(`${String(i + 1).padStart(2)}. ${step.title}  [${step.kind}${risk}]  (${step.id})`);
    out.push(`    ${step.why}`);
    if (step.az) out.push(`    az: ${step.az}`);
  });
  out.push("", "Every change waits for an approval and is verified afterwards. Diagram: --format mermaid");
  ctx.stdout.write(out.join("\n") + "\n");
  return 0;
};
