// `acr-cmk` with no command, `acr-cmk tui`, and the TUI driver the run commands use on a terminal.
// Ink and React load here, lazily, and nowhere on the way to `--version` or `--help`.
import { readFileSync } from "node:fs";
import type { SubscriptionDirectory } from "../../azure/factory.js";
import type { CmkAzure } from "../../azure/types.js";
import { endedOrStopped } from "../../runs/run-status.js";
import type { RunEngine } from "../../runs/types.js";
import { prepareTuiStart } from "../../tui/fast-start.js";
import type {
  RegistryChoice,
  ResourceHealth,
  RegistryTarget,
  SubscriptionSource,
  TuiConnection,
  TuiDiagnosis,
  TuiGroupDiagnosis,
} from "../../tui/types.js";
import type { AzureResponse, CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { buildProgram, type CommandRunner } from "../program.js";
import type { RunView } from "../../runs/types.js";
import { commandTiming } from "../sandbox-timing.js";
import { createSubscriptionDirectory, invocationOf, localUser, openEngine, parseApprovers } from "../wiring.js";

/** The registry named by -g/-r, if any. zod (about 100 modules) loads only when there is something to check. */
async function targetOf(options: Record<string, unknown>): Promise<RegistryTarget | undefined> {
  if (options.resourceGroup === undefined && options.registry === undefined) return undefined;
  const { z } = await import("zod");
  const targetSchema = z
    .object({
      resourceGroup: z.string().trim().min(1).max(90).optional(),
      registry: z
        .string()
        .trim()
        .regex(/^[a-zA-Z0-9]{5,50}$/, "a registry name is 5-50 letters and digits")
        .optional(),
    })
    .refine((t) => (t.resourceGroup === undefined) === (t.registry === undefined), {
      message: "name a registry with both -g <resource-group> and -r <registry>",
    });
  const parsed = targetSchema.safeParse({ resourceGroup: options.resourceGroup, registry: options.registry });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("; "));
  const { resourceGroup, registry } = parsed.data;
  return resourceGroup && registry ? { resourceGroup, registry } : undefined;
}

async function exitCodeOf(view: RunView): Promise<number> {
  return (await import("../plain-driver.js")).exitCodeForRun(view);
}

function isTerminal(ctx: CliContext): boolean {
  return Boolean(ctx.stdout.isTTY && ctx.stdin.isTTY);
}

/**
 * The terminal's policy: a keystroke (and the typed registry name for high risk) is a knowing approval, so the
 * requester may approve their own change, unless the team named approvers (separation of duties) and the requester is
 * not one of them.
 */
function terminalSelfApproves(ctx: CliContext, person: string): boolean {
  const approvers = parseApprovers(ctx.env.ACR_CMK_APPROVERS);
  return approvers.length === 0 || approvers.includes(person);
}

function printHelp(ctx: CliContext): void {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  const program = buildProgram(
    pkg.version,
    async () => {
      throw new Error("help only");
    },
    () => {},
  );
  ctx.stdout.write(program.helpInformation());
}

/** The diagnosis the TUI shows; in sandbox mode expiry is judged by the sandbox's clock, read afresh each time. */
async function diagnoseWith(
  ctx: CliContext,
  azure: CmkAzure,
  target: RegistryTarget,
  invocation: string,
): Promise<TuiDiagnosis> {
  const { diagnoseRegistry } = await import("../../diagnosis/diagnose.js");
  const timing = await commandTiming(ctx);
  return diagnoseRegistry(
    azure,
    { resourceGroup: target.resourceGroup, name: target.registry },
    { invocation, ...timing },
  );
}

async function listRegistriesWith(azure: CmkAzure): Promise<RegistryChoice[]> {
  const registries = await azure.listRegistries();
  return registries
    .map((r) => ({ resourceGroup: r.resourceGroup, registry: r.name, location: r.location, sku: r.sku }))
    .sort((a, b) => `${a.resourceGroup}/${a.registry}`.localeCompare(`${b.resourceGroup}/${b.registry}`));
}

/** A container group's diagnosis for its home (`diagnose --id`), with what a run for it starts from. */
async function diagnoseGroupWith(ctx: CliContext, id: string, invocation: string): Promise<TuiGroupDiagnosis> {
  const [{ containerGroupReport }, { groupRunHints }] = await Promise.all([
    import("./diagnose-fleet.js"),
    import("../../diagnosis/fleet/container-group.js"),
  ]);
  const report = await containerGroupReport(ctx, id, invocation);
  return {
    healthy: report.healthy,
    findings: report.findings,
    runbook: report.runbook,
    redeploy: report.redeploy,
    sharedWith: report.sharedWith,
    hints: groupRunHints(report),
  };
}

/** The home screen's health column, its container groups and the key view: `acr-cmk scan` over the subscription. */
async function scanHealthWith(
  ctx: CliContext,
  subscriptionId: string,
  invocation: string,
  onResult: (health: ResourceHealth) => void,
): Promise<{ keys: string[] }> {
  const [{ createFleetAzureForCli }, { scanFleet }, { AdaptiveLimiter }, { keySummary }] = await Promise.all([
    import("../fleet-azure.js"),
    import("../../diagnosis/fleet/scan.js"),
    import("../../diagnosis/fleet/limiter.js"),
    import("../../diagnosis/fleet/scan-text.js"),
  ]);
  const limiter = new AdaptiveLimiter();
  const fleet = await createFleetAzureForCli({ ...ctx.globals, subscription: subscriptionId }, ctx.env, {
    gate: limiter,
  });
  const report = await scanFleet(fleet, {
    subscriptions: [subscriptionId],
    limiter,
    invocation,
    ...(await commandTiming(ctx)),
    onResult: (r) => {
      const finding = r.findings.find((f) => f.severity !== "info")?.id;
      const verdict = { resourceGroup: r.resourceGroup, healthy: r.healthy, ...(finding ? { finding } : {}) };
      if (r.type === "registry") onResult({ ...verdict, registry: r.name });
      else onResult({ ...verdict, containerGroup: r.name, id: r.id, runbook: r.runbook });
    },
  });
  return { keys: report.keys.map((k) => keySummary(k, report.resources)) };
}

function connectionOf(
  ctx: CliContext,
  engine: RunEngine,
  azure: CmkAzure,
  invocation = invocationOf(ctx),
): TuiConnection {
  return {
    engine,
    diagnose: (target) => diagnoseWith(ctx, azure, target, invocation),
    listRegistries: () => listRegistriesWith(azure),
    scanHealth: (onResult) => scanHealthWith(ctx, azure.subscriptionId, invocation, onResult),
    diagnoseContainerGroup: (id) => diagnoseGroupWith(ctx, id, invocation),
    subscriptionId: azure.subscriptionId,
    invocation,
  };
}

/** How the TUI reaches Azure: a connection at hand, one to open after the first frame, or subscriptions to choose from. */
type TuiLink = TuiConnection | { connect: () => Promise<TuiConnection> } | { subscriptions: SubscriptionSource };

async function openTui(
  ctx: CliContext,
  link: TuiLink,
  extra: { target?: RegistryTarget; runId?: string; requester: string },
) {
  prepareTuiStart();
  const { renderTui } = await import("../../tui/app.js");
  return renderTui({
    ...link,
    sandbox: ctx.globals.sandbox !== undefined,
    color: ctx.globals.color,
    selfApprove: terminalSelfApproves(ctx, extra.requester),
    approvers: parseApprovers(ctx.env.ACR_CMK_APPROVERS),
    invocation: invocationOf(ctx),
    stdout: ctx.stdout,
    stdin: ctx.stdin,
    stderr: ctx.stderr,
    ...extra,
  });
}

/**
 * The context of one subscription chosen in the TUI: its own port (built by the directory, with the directory's
 * sign-in) and its own response listeners, so the run engine's audit log hears that port as `ctx.azure()`'s.
 */
function contextFor(
  ctx: CliContext,
  subscriptionId: string,
  directory: () => Promise<SubscriptionDirectory>,
): CliContext {
  const listeners = new Set<(response: AzureResponse) => void>();
  const onResponse = (response: AzureResponse) => {
    for (const listener of listeners) listener(response);
  };
  let azure: Promise<CmkAzure> | undefined;
  return {
    ...ctx,
    globals: { ...ctx.globals, subscription: subscriptionId },
    azure: () => (azure ??= directory().then((found) => found.azureFor(subscriptionId, { onResponse }))),
    onAzureResponse: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * No subscription given (or the sandbox): the TUI lists the subscriptions and connects to the one chosen. One
 * connection per subscription, kept until the TUI ends, so going back and forth reopens nothing.
 */
function subscriptionChoice(ctx: CliContext) {
  let directory: Promise<SubscriptionDirectory> | undefined;
  const openDirectory = () =>
    (directory ??= createSubscriptionDirectory(ctx.globals, ctx.env).catch((error: unknown) => {
      directory = undefined; // a sandbox created meanwhile, or a sign-in, may work on the next try
      throw error;
    }));
  const connections = new Map<string, Promise<TuiConnection>>();
  let connected = false;
  let lastFailure: unknown;
  const track = <T>(work: Promise<T>): Promise<T> =>
    work.then(
      (value) => {
        lastFailure = undefined;
        return value;
      },
      (error: unknown) => {
        lastFailure = error;
        throw error;
      },
    );

  const source: SubscriptionSource = {
    listSubscriptions: () =>
      track(
        openDirectory()
          .then((found) => found.listSubscriptions())
          .then((all) =>
            all.map(({ subscriptionId, displayName, state, tenantId }) => ({
              subscriptionId,
              displayName,
              state,
              ...(tenantId ? { tenantId } : {}),
            })),
          ),
      ),
    connect: (subscriptionId) => {
      const key = subscriptionId.toLowerCase();
      let connection = connections.get(key);
      if (!connection) {
        const chosen = contextFor(ctx, subscriptionId, openDirectory);
        connection = chosen
          .azure()
          .then(async (azure) =>
            connectionOf(chosen, await openEngine(chosen, azure), azure, invocationOf(ctx, azure.subscriptionId)),
          );
        connections.set(key, connection);
        // A failed connection is tried afresh when the person chooses that subscription again.
        connection.catch(() => connections.delete(key));
      }
      return track(connection).then((value) => {
        connected = true;
        return value;
      });
    },
  };
  return {
    source,
    /** Why the person never got connected, when they did not: the CLI reports it too, with its exit code. */
    failure: (): unknown => (connected ? undefined : lastFailure),
    async close(): Promise<void> {
      for (const connection of connections.values()) {
        await connection.then((value) => value.engine.close()).catch(() => undefined);
      }
    },
  };
}

/** A subscription named by `--subscription` / AZURE_SUBSCRIPTION_ID; the sandbox always has its own one. */
function subscriptionGiven(ctx: CliContext): boolean {
  return !ctx.globals.sandbox && Boolean(ctx.globals.subscription?.trim());
}

/** `acr-cmk tui`: home screen on a terminal; anywhere else a clear no. */
export const tuiCommand: CommandRunner = async (ctx, options) => {
  if (!isTerminal(ctx)) {
    throw new UsageError(
      "the terminal UI needs a terminal (stdin and stdout must be TTYs); in scripts use `acr-cmk diagnose` and `acr-cmk run`",
    );
  }
  const target = await targetOf(options);
  const extra = { requester: localUser(ctx), ...(target ? { target } : {}) };

  if (!subscriptionGiven(ctx)) {
    const choice = subscriptionChoice(ctx);
    try {
      const result = await openTui(ctx, { subscriptions: choice.source }, extra);
      const failure = choice.failure();
      if (failure !== undefined) throw failure;
      return result.view ? await exitCodeOf(result.view) : 0;
    } finally {
      await choice.close();
    }
  }

  // Azure and the run store load while the first frame is already on screen.
  let opened: Promise<TuiConnection> | undefined;
  const connect = () =>
    (opened ??= ctx.azure().then(async (azure) => connectionOf(ctx, await openEngine(ctx, azure), azure)));
  try {
    const result = await openTui(ctx, { connect }, extra);
    // A failed connection was shown on screen; the CLI also reports it, with its exit code.
    if (opened) await opened;
    return result.view ? await exitCodeOf(result.view) : 0;
  } finally {
    if (opened) await opened.then((connection) => connection.engine.close()).catch(() => undefined);
  }
};

/** `acr-cmk` alone: the TUI on a terminal, the help text (exit 0) when piped or asked for JSON. */
export const homeCommand: CommandRunner = async (ctx, options) => {
  if (!isTerminal(ctx) || ctx.globals.output === "json") {
    printHelp(ctx);
    return 0;
  }
  return tuiCommand(ctx, options);
};

/**
 * The TUI driver of one run (`acr-cmk run` / `recover` / `runs resume` on a terminal): the run screen until the
 * person leaves. `by` is who sits at the terminal: they approve as themselves. Returns the run's exit code.
 */
export async function runInTui(ctx: CliContext, engine: RunEngine, runId: string, by: string): Promise<number> {
  const view = await engine.get(runId);
  if (!view) throw new UsageError(`no run with id ${runId}`);
  // The requester's own run follows the terminal's policy whatever the command line asked: with named approvers,
  // `--yes` does not let a requester who is not one approve their own change here.
  if (view.requester === by && !endedOrStopped(view.status)) {
    // A refusal here (say, the run ended meanwhile) shows on screen at the first approval, with the engine's words.
    await engine.resume(runId, by, { selfApprove: terminalSelfApproves(ctx, by) }).catch(() => undefined);
  }
  const azure = await ctx.azure();
  const result = await openTui(ctx, connectionOf(ctx, engine, azure), { runId, requester: by });
  const last = result.view ?? (await engine.get(runId)) ?? view;
  return exitCodeOf(last);
}
