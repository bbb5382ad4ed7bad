// The CLI's composition root for what every driver shares: the Azure port (the cloud, or the sandbox wired under it),
// the run engine and its settings, who approves, who is at the terminal, and how acr-cmk was invoked. The heavy parts
// (the engine with xstate and sqlite, the sandbox, zod) load on first use, so `--help` and the TUI's first frame stay
// fast and a cloud command never loads the simulator.
import { userInfo } from "node:os";
import type { CliAzureOptions, SubscriptionDirectory } from "../azure/factory.js";
import type { CmkAzure } from "../azure/types.js";
import type { RunEngine, SharedRuns } from "../runs/types.js";
import type { CliContext, GlobalOptions } from "./context.js";

/** What `ctx.azure()` returns: sandbox mode when `--sandbox` / ACR_CMK_SANDBOX is set, the cloud otherwise. */
export async function createAzureForCli(
  globals: Pick<GlobalOptions, "subscription" | "sandbox">,
  env: NodeJS.ProcessEnv,
  options: CliAzureOptions = {},
): Promise<CmkAzure> {
  if (globals.sandbox) {
    const { createSandboxAzure, sandboxHasSubscription } = await import("./sandbox-azure.js");
    // A fleet world spans several subscriptions: one of them named (a resource id's, a run's) is the port's.
    const other = globals.subscription && sandboxHasSubscription(globals.sandbox, globals.subscription);
    return createSandboxAzure({
      stateFile: globals.sandbox,
      ...(other ? { subscriptionId: globals.subscription } : {}),
      ...options,
    });
  }
  const { createCloudAzure } = await import("../azure/factory.js");
  return createCloudAzure(globals, env, options);
}

/**
 * The subscription directory a terminal session starts from when no subscription was given: works without one in
 * both modes (cloud: DefaultAzureCredential; sandbox: the state file's world).
 */
export async function createSubscriptionDirectory(
  globals: Pick<GlobalOptions, "sandbox">,
  env: NodeJS.ProcessEnv,
): Promise<SubscriptionDirectory> {
  if (globals.sandbox) return (await import("./sandbox-azure.js")).sandboxSubscriptionDirectory(globals.sandbox);
  return (await import("../azure/factory.js")).createCloudSubscriptionDirectory(env);
}

/**
 * ACR_CMK_APPROVERS: comma-separated names (Slack user ids in Slack, user names on a terminal), blanks ignored. The one
 * reading of the variable; `acr-cmk slack` checks on top that every entry is a Slack user id.
 */
export function parseApprovers(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((id) => id.trim())
    .filter(Boolean);
}

/** The local user: who starts, approves and chooses in a terminal (`--requester` / `--as` when given). */
export function localUser(ctx: Pick<CliContext, "env">, requester?: string): string {
  if (requester) return requester;
  try {
    return userInfo().username || ctx.env.USER || "local-user";
  } catch {
    return ctx.env.USER ?? "local-user";
  }
}

/**
 * How acr-cmk is run here, for the commands it prints. In Azure, the subscription given by `--subscription`, taken from
 * a resource id or chosen in the TUI is named, so a copied `-g … -r …` command pasted in another shell acts in that
 * subscription and never on a registry of the same name in that shell's AZURE_SUBSCRIPTION_ID.
 */
export function invocationOf(ctx: Pick<CliContext, "globals">, chosenSubscription?: string): string {
  if (ctx.globals.sandbox) return `acr-cmk --sandbox ${ctx.globals.sandbox}`;
  const subscription = chosenSubscription ?? ctx.globals.subscription;
  return subscription ? `acr-cmk --subscription ${subscription}` : "acr-cmk";
}

/** The run engine every driver shares: runs and audit under ACR_CMK_HOME, the approvers, the timing of this place. */
export async function openEngine(ctx: CliContext, azure?: CmkAzure): Promise<RunEngine & SharedRuns> {
  const [{ engineEnv }, { AzureResponseRecorder }, { createRunEngine }, { RUNBOOKS }, { commandTiming }] =
    await Promise.all([
      import("./env.js"),
      import("../runs/azure-calls.js"),
      import("../runs/engine.js"),
      import("../machines/index.js"),
      import("./sandbox-timing.js"),
    ]);
  const env = engineEnv(ctx.env);
  // Every audited write carries its Azure request id: the port reports responses, the recorder ties them to the write.
  const responses = new AzureResponseRecorder();
  ctx.onAzureResponse?.(responses.onResponse);
  const timing = await commandTiming(ctx);
  const shared = Boolean(ctx.env.ACR_CMK_STORE?.trim());
  return createRunEngine({
    home: ctx.globals.home,
    ...(shared ? { store: ctx.env.ACR_CMK_STORE } : {}),
    azure: azure ?? (await ctx.azure()),
    runbooks: RUNBOOKS,
    responses,
    approvers: parseApprovers(ctx.env.ACR_CMK_APPROVERS),
    actorOptions: timing,
    // The sandbox picks rotations up in seconds; Azure within the hour.
    pollIntervalMs: env.ACR_CMK_POLL_INTERVAL_MS ?? (ctx.globals.sandbox ? 1000 : 30_000),
    ...(env.ACR_CMK_APPROVAL_TTL_MS ? { approvalTtlMs: env.ACR_CMK_APPROVAL_TTL_MS } : {}),
    // With a shared store a dead replica's lease lapses in 30 s, so another replica takes its runs over within 60 s.
    ...(env.ACR_CMK_LOCK_TTL_MS || shared ? { lockTtlMs: env.ACR_CMK_LOCK_TTL_MS ?? 30_000 } : {}),
  });
}
