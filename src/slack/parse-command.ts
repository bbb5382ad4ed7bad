// The `/acr-cmk` text, validated: a subcommand and its arguments, or a message saying what was wrong (the listener
// answers that with ephemeral help). Nothing here calls Azure or the engine.
import { z } from "zod";
import { assertRegistryName, assertResourceGroup, parseRegistryId } from "../azure/ids.js";
import type { RegistryRef } from "../azure/types.js";
import { SLACK_RUN_SUBCOMMANDS, type SlackRunSubcommand } from "../runbooks/catalogue.js";
import { reasonSchema } from "./reason.js";

export type RunSubcommand = SlackRunSubcommand;

const isRunSubcommand = (word: string): word is RunSubcommand =>
  (SLACK_RUN_SUBCOMMANDS as readonly string[]).includes(word);

/** A registry named in chat; `subscriptionId` only when a resource id named it. */
export interface RegistryArg {
  ref: RegistryRef;
  subscriptionId?: string;
}

export type SlackCommand =
  | { kind: "help" }
  | { kind: "diagnose"; registry: RegistryArg }
  | { kind: "triage"; text: string }
  | { kind: "run"; action: RunSubcommand; registry: RegistryArg }
  | { kind: "status"; runId?: string }
  | { kind: "abort"; runId: string; reason: string }
  | { kind: "runs" }
  | { kind: "scan" };

export type ParsedCommand = { ok: true; command: SlackCommand } | { ok: false; message: string };

/** Slack caps slash-command text well below this; anything longer is not a command typed by a person. */
export const MAX_COMMAND_TEXT = 4000;
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const registrySchema = z
  .string()
  .trim()
  .transform((raw, ctx): RegistryArg => {
    try {
      if (raw.startsWith("/subscriptions/") || raw.startsWith("subscriptions/")) {
        const id = parseRegistryId(raw);
        return { ref: { resourceGroup: id.resourceGroup, name: id.name }, subscriptionId: id.subscriptionId };
      }
      const parts = raw.split("/");
      if (parts.length !== 2) throw new Error(`'${raw}' is not <resource-group>/<registry> or a registry resource id`);
      const [group, name] = parts as [string, string];
      return { ref: { resourceGroup: assertResourceGroup(group, raw), name: assertRegistryName(name, raw) } };
    } catch (error) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  });

const runIdSchema = z.string().regex(RUN_ID_PATTERN, "a run id is letters, digits, '.', '_' or '-' (up to 64)");

// Built once: building a zod schema costs more than using it, and this runs on every command before its ack.
const commandTextSchema = z.string().max(MAX_COMMAND_TEXT);

/** Slack escapes &, < and > in command text; triage wants the error as Azure wrote it. */
export function unescapeSlackText(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function exactlyOne(subcommand: string, args: string[], what: string): string | { error: string } {
  if (args.length === 0) return { error: `\`${subcommand}\` needs a ${what}.` };
  if (args.length > 1) return { error: `\`${subcommand}\` takes one ${what}, got ${args.length} words.` };
  return args[0]!;
}

export function parseCommand(rawText: unknown): ParsedCommand {
  const text = commandTextSchema.safeParse(rawText ?? "");
  if (!text.success) return { ok: false, message: `The command text is longer than ${MAX_COMMAND_TEXT} characters.` };
  const trimmed = text.data.trim();
  const [head = "", ...args] = trimmed.split(/\s+/).filter(Boolean);
  const subcommand = head.toLowerCase();

  const registryCommand = (build: (registry: RegistryArg) => SlackCommand): ParsedCommand => {
    const word = exactlyOne(subcommand, args, "registry (`<resource-group>/<registry>` or its resource id)");
    if (typeof word !== "string") return { ok: false, message: word.error };
    const parsed = registrySchema.safeParse(word);
    if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? "invalid registry" };
    return { ok: true, command: build(parsed.data) };
  };

  if (isRunSubcommand(subcommand)) {
    const action = subcommand;
    return registryCommand((registry) => ({ kind: "run", action, registry }));
  }
  switch (subcommand) {
    case "":
    case "help":
      return args.length === 0
        ? { ok: true, command: { kind: "help" } }
        : { ok: false, message: "`help` takes no arguments." };
    case "diagnose":
      return registryCommand((registry) => ({ kind: "diagnose", registry }));
    case "triage": {
      const pasted = unescapeSlackText(trimmed.slice(head.length)).trim();
      if (!pasted) return { ok: false, message: "`triage` needs the Azure error text: `/acr-cmk triage <error>`." };
      return { ok: true, command: { kind: "triage", text: pasted } };
    }
    case "status": {
      if (args.length === 0) return { ok: true, command: { kind: "status" } };
      if (args.length > 1) return { ok: false, message: "`status` takes at most one run id." };
      const runId = runIdSchema.safeParse(args[0]);
      if (!runId.success) return { ok: false, message: `Invalid run id: ${runId.error.issues[0]?.message}.` };
      return { ok: true, command: { kind: "status", runId: runId.data } };
    }
    case "abort": {
      const usage = "`abort` needs a run id and a reason: `/acr-cmk abort <run-id> <reason>`.";
      if (args.length < 2) return { ok: false, message: usage };
      const runId = runIdSchema.safeParse(args[0]);
      if (!runId.success) return { ok: false, message: `Invalid run id: ${runId.error.issues[0]?.message}.` };
      // The reason as typed, spacing and all, after the run id.
      const afterId = trimmed.slice(head.length).trimStart().slice(args[0]!.length);
      const reason = reasonSchema.safeParse(unescapeSlackText(afterId));
      if (!reason.success) return { ok: false, message: `Invalid reason: ${reason.error.issues[0]?.message}` };
      return { ok: true, command: { kind: "abort", runId: runId.data, reason: reason.data } };
    }
    case "runs":
      return args.length === 0
        ? { ok: true, command: { kind: "runs" } }
        : { ok: false, message: "`runs` takes no arguments." };
    case "scan":
      return args.length === 0
        ? { ok: true, command: { kind: "scan" } }
        : { ok: false, message: "`scan` takes no arguments: it checks every CMK resource the app can read." };
    default:
      return { ok: false, message: `Unknown subcommand \`${head.slice(0, 40)}\`.` };
  }
}
