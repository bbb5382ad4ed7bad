// `acr-cmk triage [text…]`: name the CMK cause behind a pasted Azure error, from the arguments or, when there are
// none, from everything on stdin (on a terminal: a paste, ended with Ctrl-D).
//
// Exit codes, chosen for scripts (grep's convention): 0 when a cause is named — the JSON then carries the runbook to
// run — and 1 when the answer is `unknown`: the command worked, but there is nothing a script should act on, so
// `if acr-cmk triage --output json "$err" > t.json; then acr-cmk run "$(jq -r .runbook t.json)" …; fi` can never start
// a runbook on a guess. 2 for no text, unreadable or oversized input.
import { z } from "zod";
import { printJson, type CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { invocationOf } from "../wiring.js";
import type { CommandRunner } from "../program.js";
import { CAUSE_TITLES, triage } from "../../diagnosis/triage.js";
import type { TriageResult } from "../../diagnosis/types.js";

/** A pasted error, even a whole CI log, fits; anything bigger is a mistake (a binary, the wrong file). */
export const MAX_TRIAGE_INPUT_BYTES = 1024 * 1024;

const NO_TEXT =
  "no error text to triage: pass it as an argument (acr-cmk triage '<error>'), pipe it on stdin (… | acr-cmk triage), " +
  "or run acr-cmk triage on a terminal, paste it and press Ctrl-D";

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
  // On a terminal, say what we wait for (on stderr, so stdout stays the answer): otherwise it would look like a hang.
  if (ctx.stdin.isTTY) {
    ctx.stderr.write("Paste the error text, then press Ctrl-D on an empty line (Ctrl-C to cancel).\n");
  }
  return readAll(ctx.stdin);
}

/** The flags that name the registry in a suggested command: the pasted resource id, else its name, else placeholders. */
export function targetFlags(registry: TriageResult["registry"]): string {
  if (registry?.id) return `--id ${registry.id}`;
  if (registry) return `-g ${registry.resourceGroup ?? "<resource-group>"} -r ${registry.name}`;
  return "-g <resource-group> -r <registry>";
}

function runbookAdvice(result: TriageResult, invocation: string): string {
  const target = targetFlags(result.registry);
  const advice =
    `Run the ${result.runbook} runbook: \`${invocation} run ${result.runbook} ${target}\` ` +
    `(or \`${invocation} recover ${target}\` to diagnose the registry first and run the runbook its findings name).`;
  if (!result.service) return advice;
  // The cause is the same on any service that encrypts with a Key Vault key; the runbooks change registries only.
  return (
    `This error comes from ${result.service}, not from a container registry: acr-cmk's runbooks repair registries, so ` +
    `fix the same cause on that resource. If a registry uses the same key, vault or identity: ${advice}`
  );
}

/** One paragraph an engineer can read at 3 a.m.: the cause, what to run, and the words that said so. */
export function describeTriage(result: TriageResult, invocation = "acr-cmk"): string {
  if (result.cause === "unknown") {
    return (
      "No customer-managed-key cause recognised in this text (cause: unknown). Triage names a cause only from what " +
      "Azure says about the key, its vault or the identity that reaches them; to check the registry itself, run " +
      `\`${invocation} diagnose ${targetFlags(result.registry)}\`.`
    );
  }
  const evidence = result.evidence.replace(/\s+/g, " ").trim();
  return (
    `Likely cause: ${CAUSE_TITLES[result.cause]} (${result.cause}). ${runbookAdvice(result, invocation)} ` +
    `Evidence: "${evidence}".`
  );
}

export const triageCommand: CommandRunner = async (ctx, _options, ...args) => {
  const parsed = PastedText.safeParse(await pastedText(ctx, args));
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? NO_TEXT);
  const result = triage(parsed.data);
  if (ctx.globals.output === "json") {
    // The three fields every answer has, then what the text also named (the registry, another service), when it did.
    const { cause, runbook, evidence, registry, service } = result;
    printJson(ctx, { cause, runbook, evidence, ...(registry ? { registry } : {}), ...(service ? { service } : {}) });
  } else {
    ctx.stdout.write(describeTriage(result, invocationOf(ctx)) + "\n");
  }
  return result.cause === "unknown" ? 1 : 0;
};
