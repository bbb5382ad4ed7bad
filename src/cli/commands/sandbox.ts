// `acr-cmk sandbox init | break | status | advance | serve`: set up, break, inspect, age and serve the simulated Azure.
// Every command works on the state file (ctx.globals.sandbox), so a running `sandbox serve` sees their changes.
import { existsSync } from "node:fs";
import { z } from "zod";
import { printJson, type CliContext } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import type { CommandRunner } from "../program.js";
import { fleetInitLines, fleetInitOptions, registryForKey } from "./sandbox-fleet.js";
import { listenFailure, serveProxy, type StartSandboxProxy } from "./sandbox-proxy.js";
import {
  AUDIT_LOGS_MODES,
  AUDIT_WORKSPACE_NAME,
  advanceClock,
  allHealthy,
  applyTimeEffects,
  breakWorld,
  createWorld,
  demoNames,
  DurationError,
  fileStore,
  formatDuration,
  formatStatus,
  healthWord,
  IncidentError,
  initFileStore,
  INCIDENT_NAMES,
  MAX_FLEET_REGISTRIES,
  CHANGE_CLIENTS,
  DEFAULT_ACTOR,
  parseDuration,
  planScenario,
  resolveRegistryKey,
  SandboxStateError,
  sandboxStatus,
  SCENARIO_DESCRIPTIONS,
  SCENARIO_NAMES,
  worldNow,
  type SandboxStatus,
  type World,
  type WorldStore,
} from "../../sandbox/index.js";

function statePath(ctx: CliContext): string {
  const path = ctx.globals.sandbox;
  if (!path) throw new UsageError("no sandbox state file: pass --sandbox <file> or set ACR_CMK_HOME");
  return path;
}

/** Errors the sandbox raises for bad input or a bad state file become usage errors: exit 2, nothing changed. */
function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (
      error instanceof SandboxStateError ||
      error instanceof IncidentError ||
      error instanceof DurationError ||
      error instanceof RangeError
    ) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

function parseOptions<T extends z.ZodType>(schema: T, options: Record<string, unknown>): z.output<T> {
  const parsed = schema.safeParse(options);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((issue) => issue.message).join("; "));
  return parsed.data;
}

const oneOf = <const T extends readonly [string, ...string[]]>(option: string, values: T) =>
  z.enum(values, { error: (issue) => `${option} must be one of ${values.join(", ")} (got '${String(issue.input)}')` });

const wholeNumber = (option: string, min: number, max: number) =>
  z
    .string({ error: `${option} needs a value` })
    .refine((s) => /^\d+$/.test(s.trim()), {
      error: (issue) => `${option} must be a whole number (got '${String(issue.input)}')`,
    })
    .transform((s) => Number(s.trim()))
    .refine((n) => n >= min && n <= max, { error: `${option} must be from ${min} to ${max}` });

// ---------------------------------------------------------------------------------------------------------------- init

const initOptions = z.object({
  scenario: z
    .enum(SCENARIO_NAMES, {
      error: (issue) =>
        `unknown scenario '${String(issue.input)}'; scenarios: ${SCENARIO_NAMES.map((n) => `${n} (${SCENARIO_DESCRIPTIONS[n]})`).join("; ")}`,
    })
    .optional(),
  identity: oneOf("--identity", ["user", "system"] as const).optional(),
  access: oneOf("--access", ["policy", "rbac"] as const).optional(),
  keyVersion: oneOf("--key-version", ["latest", "pinned"] as const).optional(),
  registries: wholeNumber("--registries", 1, MAX_FLEET_REGISTRIES).optional(),
  ...fleetInitOptions(wholeNumber),
  auditLogs: oneOf("--audit-logs", AUDIT_LOGS_MODES).optional(),
});

const AUDIT_DESTINATIONS = {
  on: `Log Analytics workspace ${AUDIT_WORKSPACE_NAME}, table AzureDiagnostics`,
  dedicated: `Log Analytics workspace ${AUDIT_WORKSPACE_NAME}, resource-specific table AZKVAuditLogs`,
  off: "nowhere (no diagnostic settings; diagnose reports AUDIT_LOGS_OFF)",
} as const;

function describeWorld(world: World, path: string, scenario: string) {
  return {
    stateFile: path,
    scenario,
    subscriptionId: world.subscriptionId,
    tenantId: world.tenantId,
    registries: Object.values(world.registries).map((registry) => {
      const { vault, key } = resolveRegistryKey(world, registry);
      const identity = Object.values(world.identities).find(
        (i) => i.clientId.toLowerCase() === registry.encryption.identity?.toLowerCase(),
      );
      return {
        id: registry.id,
        name: registry.name,
        resourceGroup: registry.resourceGroup,
        vault: vault?.name ?? null,
        key: key?.name ?? null,
        keyIdentifier: registry.encryption.keyIdentifier ?? null,
        identity: identity?.name ?? "system",
        access: vault?.enableRbacAuthorization ? "rbac" : "policy",
        purgeProtection: vault?.enablePurgeProtection ?? false,
      };
    }),
  };
}

export const sandboxInitCommand: CommandRunner = async (ctx, options) => {
  const parsed = parseOptions(initOptions, options);
  const path = statePath(ctx);
  const plan = asUsage(() => planScenario(parsed));
  const world = createWorld(parsed);
  const replaced = existsSync(path);
  initFileStore(path, world);
  const summary = describeWorld(world, path, plan.scenario);
  if (ctx.globals.output === "json") {
    printJson(ctx, summary);
    return EXIT.ok;
  }
  if (plan.fleet) {
    ctx.stdout.write(fleetInitLines(world, path, plan, replaced).join("\n"));
    return EXIT.ok;
  }
  const lines = [
    `Sandbox ready: scenario '${plan.scenario}' (${SCENARIO_DESCRIPTIONS[plan.scenario]}).`,
    `State file: ${path}${replaced ? " (the previous sandbox there was replaced)" : ""}`,
    `Subscription ${world.subscriptionId}, tenant ${world.tenantId}`,
    "",
  ];
  for (const r of summary.registries) {
    const rotation =
      plan.keyVersion === "pinned" ? "pinned version, manual rotation" : "versionless, automatic rotation";
    lines.push(`registry ${r.name}  (resource group ${r.resourceGroup})`);
    lines.push(`  vault ${r.vault}, key ${r.key} (${rotation}), purge protection ${r.purgeProtection ? "on" : "OFF"}`);
    lines.push(
      `  encryption identity: ${r.identity === "system" ? "system-assigned" : `user-assigned '${r.identity}'`}, access by ${r.access === "rbac" ? "Azure RBAC" : "access policy"}`,
    );
  }
  lines.push(`audit events: ${AUDIT_DESTINATIONS[parsed.auditLogs ?? "on"]}`);
  const first = demoNames(1, plan.registries);
  lines.push(
    "",
    "Next:",
    "  acr-cmk sandbox status",
    `  acr-cmk sandbox break key-deleted${plan.registries > 1 ? ` -r ${first.registry}` : ""}`,
    `  acr-cmk --sandbox diagnose -g ${summary.registries[0]?.resourceGroup} -r ${first.registry}`,
    "",
  );
  ctx.stdout.write(lines.join("\n"));
  return EXIT.ok;
};

// --------------------------------------------------------------------------------------------------------------- break

const breakOptions = z.object({
  registry: z.string().trim().min(1, "-r/--registry needs a registry name").optional(),
  key: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]{3,24}\/[a-z0-9-]{1,127}$/i, "--key takes <vault>/<key>, e.g. kv-acr-cmk-fleet-01/acr-cmk")
    .optional(),
  /** true: `--in-progress` without a duration (the world's own deletion window). */
  inProgress: z.union([z.literal(true), z.string()]).optional(),
  as: z
    .string()
    .trim()
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "--as takes a user principal name such as alice@contoso.com")
    .optional(),
  client: oneOf("--client", CHANGE_CLIENTS).optional(),
});

const incidentName = z.enum(INCIDENT_NAMES, {
  error: (issue) =>
    issue.input === undefined
      ? `name an incident: ${INCIDENT_NAMES.join(", ")}`
      : `unknown incident '${String(issue.input)}'; valid incidents: ${INCIDENT_NAMES.join(", ")}`,
});

/**
 * Key Vault finishes a deletion in seconds; a drill may stretch that to a minute, no more: acr-cmk looks again for a
 * missing key for as long as the sandbox's deletions take, and a longer window would only make every command wait.
 */
const MAX_DELETION_WINDOW_MS = 60_000;

function deletionWindow(text: string): number {
  const ms = asUsage(() => parseDuration(text));
  if (ms > MAX_DELETION_WINDOW_MS) throw new UsageError(`--in-progress takes at most 60s (Key Vault takes seconds)`);
  return ms;
}

export const sandboxBreakCommand: CommandRunner = async (ctx, options, incident) => {
  const { registry: named, key, inProgress, as, client } = parseOptions(breakOptions, options);
  if (named && key) throw new UsageError("give -r/--registry or --key, not both");
  const incidentOptions = {
    ...(inProgress === undefined
      ? {}
      : { inProgress: inProgress === true ? {} : { forMs: deletionWindow(inProgress) } }),
    by: { actor: as ?? DEFAULT_ACTOR, client: client ?? ("cli" as const) },
  };
  const parsedIncident = incidentName.safeParse(incident);
  if (!parsedIncident.success) throw new UsageError(parsedIncident.error.issues[0]?.message ?? "unknown incident");
  const store = fileStore(statePath(ctx));
  // Thrown inside update → nothing is written: a refused incident leaves the world as it was.
  const result = asUsage(() =>
    store.update((world, now) => {
      const registry = key ? registryForKey(world, key, parsedIncident.data) : named;
      return breakWorld(world, parsedIncident.data, now, registry, incidentOptions);
    }),
  );
  if (ctx.globals.output === "json") {
    printJson(ctx, result);
  } else {
    ctx.stdout.write(
      [
        key
          ? `Broke key '${key}' for every registry and container group using it: ${result.incident}`
          : `Broke registry '${result.registry}': ${result.incident}`,
        ...result.changes.map((c) => `  - ${c}`),
        "",
      ].join("\n"),
    );
  }
  return EXIT.ok;
};

// -------------------------------------------------------------------------------------------------------------- status

/** The world as it is now, time effects included, without writing (status is a read). */
function currentStatus(store: WorldStore): SandboxStatus {
  // A copy: the store's world is shared by every reader in the process, and time effects change it.
  const world = structuredClone(asUsage(() => store.read()));
  const now = worldNow(world);
  applyTimeEffects(world, now);
  return sandboxStatus(world, now);
}

export const sandboxStatusCommand: CommandRunner = async (ctx) => {
  const status = currentStatus(fileStore(statePath(ctx)));
  if (ctx.globals.output === "json") printJson(ctx, status);
  else ctx.stdout.write(formatStatus(status));
  // As diagnose on the same registry: the command worked; 1 tells a script that some registry cannot read its key or
  // already fails what needs it next (degraded: diagnose's critical "content still reads for now").
  return allHealthy(status) ? EXIT.ok : EXIT.problems;
};

// ------------------------------------------------------------------------------------------------------------- advance

export const sandboxAdvanceCommand: CommandRunner = async (ctx, _options, duration) => {
  if (duration === undefined) throw new UsageError("name a duration, e.g. `acr-cmk sandbox advance 90d`");
  const ms = asUsage(() => parseDuration(duration));
  const store = fileStore(statePath(ctx));
  const { before, after, now, offsetMs } = asUsage(() =>
    store.update((world, start) => {
      const before = sandboxStatus(world, start);
      const now = advanceClock(world, ms);
      return { before, after: sandboxStatus(world, now), now, offsetMs: world.clock.offsetMs };
    }),
  );
  const changed = after.registries.filter((r) => {
    const was = before.registries.find((b) => b.id === r.id);
    return !was || was.healthy !== r.healthy || was.reason !== r.reason;
  });
  if (ctx.globals.output === "json") {
    printJson(ctx, { advancedMs: ms, now: now.toISOString(), offsetMs, changed, status: after });
    return EXIT.ok;
  }
  const lines = [
    `Sandbox clock moved forward ${formatDuration(ms)}: it is now ${now.toISOString()} (${formatDuration(offsetMs)} ahead of real time).`,
  ];
  if (changed.length === 0) lines.push("No registry changed state.");
  for (const r of changed) lines.push(`  ${r.name}: ${healthWord(r)}${r.reason ? ` — ${r.reason}` : ""}`);
  ctx.stdout.write(lines.join("\n") + "\n");
  return EXIT.ok;
};

// --------------------------------------------------------------------------------------------------------------- serve

export interface RunningSandboxServer {
  url: string;
  caCertPath: string;
  close(): Promise<void>;
}

export type StartSandboxServer = (options: {
  store: WorldStore;
  port?: number;
  host?: string;
  latencyMs?: number;
}) => Promise<RunningSandboxServer>;

const serveOptions = z.object({
  port: wholeNumber("--port", 0, 65535).optional(),
  latency: wholeNumber("--latency", 0, 60_000).optional(),
  proxy: z.boolean().optional(),
});

async function loadServer(): Promise<StartSandboxServer> {
  // Loaded only here: the HTTPS server and certificate generation are not needed by the other sandbox commands.
  return (await import("../../sandbox/server.js")).startSandboxServer;
}

/** Resolves with the signal's name on the first SIGINT or SIGTERM. */
export function untilTerminated(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** `sandbox serve` with its stop condition and server injected (tests), printing exactly one JSON line on stdout. */
export async function serveSandbox(
  ctx: CliContext,
  options: Record<string, unknown>,
  deps: { stop: () => Promise<unknown>; start?: StartSandboxServer; startProxy?: StartSandboxProxy },
): Promise<number> {
  const { port, latency, proxy } = parseOptions(serveOptions, options);
  const path = statePath(ctx);
  const store = fileStore(path);
  asUsage(() => store.read()); // a missing or corrupt state file fails here, before anything listens
  if (proxy) {
    const settings = {
      store,
      stateFile: path,
      ...(port !== undefined && { port }),
      ...(latency !== undefined && { latencyMs: latency }),
    };
    return serveProxy(ctx, settings, deps);
  }
  const start = deps.start ?? (await loadServer());
  let server: RunningSandboxServer;
  try {
    server = await start({
      store,
      host: "127.0.0.1",
      ...(port !== undefined && { port }),
      ...(latency !== undefined && { latencyMs: latency }),
    });
  } catch (error) {
    throw listenFailure(error, port);
  }
  try {
    ctx.stdout.write(JSON.stringify({ url: server.url, caCertPath: server.caCertPath }) + "\n");
    ctx.stderr.write(`sandbox serving ${path} at ${server.url}; stop with Ctrl-C\n`);
    await deps.stop();
  } finally {
    await server.close();
  }
  return EXIT.ok;
}

export const sandboxServeCommand: CommandRunner = (ctx, options) =>
  serveSandbox(ctx, options, { stop: untilTerminated });
