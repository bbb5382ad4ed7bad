// `acr-cmk triage [text…]`: name the CMK cause behind a pasted Azure error, from the arguments or, when there are
// none, from everything on stdin.
//
// Exit codes, chosen for scripts (grep's convention): 0 when a cause is named — the JSON then carries the runbook to
// run — and 1 when the answer is `unknown`: the command worked, but there is nothing a script should act on, so
// `if acr-cmk triage --output json "$err" > t.json; then acr-cmk run "$(jq -r .runbook t.json)" …; fi` can never start
// a runbook on a guess. 2 for no text, unreadable or oversized input.
import { z } from "zod";
import { printJson, type CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import type { CommandRunner } from "../program.js";
import { CAUSE_TITLES, triage } from "../../diagnosis/triage.js";
import type { TriageResult } from "../../diagnosis/types.js";

/** A pasted error, even a whole CI log, fits; anything bigger is a mistake (a binary, the wrong file). */
export const MAX_TRIAGE_INPUT_BYTES = 1024 * 1024;

const NO_TEXT =
  "no error text to triage: pass it as an argument (acr-cmk triage '<error>') or pipe it on stdin (… | acr-cmk triage)";

const PastedText = z
  .string()
  .refine((text) => text.trim().length > 0, NO_TEXT)
  .refine((text) => !text.includes("\u0000"), "the input looks binary (it contains NUL bytes); paste the error text");

async function readAll(stdin: CliContext["stdin"]): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    size += buffer.length;
    if (size > MAX_TRIAGE_INPUT_BYTES) {
      throw new UsageError(`the input is larger than ${MAX_TRIAGE_INPUT_BYTES / 1024} KiB; paste only the error`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function pastedText(ctx: CliContext, args: string[]): Promise<string> {
  // commander hands an absent `[text...]` over as "", so only non-blank arguments count as text given.
  const text = args.join(" ");
  if (text.trim().length > 0) {
    if (Buffer.byteLength(text, "utf8") > MAX_TRIAGE_INPUT_BYTES) {
      throw new UsageError(`the input is larger than ${MAX_TRIAGE_INPUT_BYTES / 1024} KiB; paste only the error`);
    }
    return text;
  }
  // Waiting on an interactive terminal would look like a hang; say what to do instead.
  if (ctx.stdin.isTTY) throw new UsageError(NO_TEXT);
  return readAll(ctx.stdin);
}

function runbookAdvice(result: TriageResult): string {
  const target = "-g <resource-group> -r <registry>";
  return (
    `Run the ${result.runbook} runbook: \`acr-cmk run ${result.runbook} ${target}\` ` +
    `(or \`acr-cmk recover ${target}\` to diagnose the registry first and run the runbook its findings name).`
  );
}

/** One paragraph an engineer can read at 3 a.m.: the cause, what to run, and the words that said so. */
export function describeTriage(result: TriageResult): string {
  if (result.cause === "unknown") {
    return (
      "No customer-managed-key cause recognised in this text (cause: unknown). Triage names a cause only from the " +
      "codes and messages Azure emits for CMK failures; to check the registry itself, run " +
      "`acr-cmk diagnose -g <resource-group> -r <registry>`."
    );
  }
  const evidence = result.evidence.replace(/\s+/g, " ").trim();
  return `Likely cause: ${CAUSE_TITLES[result.cause]} (${result.cause}). ${runbookAdvice(result)} Evidence: "${evidence}".`;
}

export const triageCommand: CommandRunner = async (ctx, _options, ...args) => {
  const parsed = PastedText.safeParse(await pastedText(ctx, args));
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? NO_TEXT);
  const result = triage(parsed.data);
  if (ctx.globals.output === "json") {
    printJson(ctx, { cause: result.cause, runbook: result.runbook, evidence: result.evidence });
  } else {
    ctx.stdout.write(describeTriage(result) + "\n");
  }
  return result.cause === "unknown" ? 1 : 0;
};
