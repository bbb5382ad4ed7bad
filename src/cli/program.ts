// The command table. Each action lazily imports the one module that implements the command, so `--version` and
// `--help` load nothing but commander (start-up time is a feature).
import { Command, Option } from "commander";
import { SHORTCUT_RUNBOOKS } from "../runbooks/catalogue.js";
import { INCIDENT_NAMES } from "../sandbox/incidents.js";
import type { CliContext } from "./context.js";

/** Signature every command module exports: parsed options and positionals in, exit code out. */
export type CommandRunner = (ctx: CliContext, options: Record<string, unknown>, ...args: string[]) => Promise<number>;

export type ContextFactory = (command: Command) => Promise<CliContext>;

type Loader = () => Promise<CommandRunner>;

/** On every command that approves with --yes: the count a change that cuts off more than its target wants typed. */
const CONFIRM_AFFECTED = [
  "--confirm-affected <n>",
  "with --yes: the number of resources affected, typed back when an approval cuts off more than its target",
] as const;

export const COMMAND_NAMES = [
  "diagnose",
  "scan",
  "triage",
  "runbooks",
  "run",
  "recover",
  ...SHORTCUT_RUNBOOKS,
  "runs",
  "audit",
  "sandbox",
  "slack",
  "tui",
  "help",
] as const;

export function buildProgram(version: string, makeContext: ContextFactory, onExit: (code: number) => void): Command {
  const program = new Command("acr-cmk")
    .description("Guided, auditable recovery for Azure Container Registry encrypted with a customer-managed key.")
    .version(version, "-V, --version")
    .option(
      "--subscription <id>",
      "Azure subscription id (env AZURE_SUBSCRIPTION_ID); scan takes it more than once",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--sandbox [state-file]", "use the embedded simulated Azure (env ACR_CMK_SANDBOX)")
    .addOption(new Option("--output <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--no-color", "plain output (also NO_COLOR)")
    .option("--verbose", "show stack traces and SDK details on failure")
    .showHelpAfterError("(run with --help for usage)");

  const action =
    (load: Loader) =>
    async (...raw: unknown[]): Promise<void> => {
      // commander passes positionals, then the options object, then the command.
      const command = raw[raw.length - 1] as Command;
      const options = command.opts();
      const positionals = raw.slice(0, -2).map((value) => (Array.isArray(value) ? value.join(" ") : value));
      const ctx = await makeContext(command);
      const runner = await load();
      onExit(await runner(ctx, options, ...(positionals.filter((p) => p !== undefined) as string[])));
    };

  const target = (command: Command): Command =>
    command
      .option("-g, --resource-group <name>", "resource group of the registry")
      .option("-r, --registry <name>", "registry name")
      .option("--id <resource-id>", "registry or container group resource id (instead of -g/-r)");

  program
    .command("scan")
    .description("check every CMK registry and container group at once, grouped by key (Azure Resource Graph)")
    .option("--all-subscriptions", "every subscription the signed-in identity can read")
    .action(action(async () => (await import("./commands/scan.js")).scanCommand));

  target(program.command("diagnose").description("check a registry's CMK health and name the runbook that fixes it"))
    .option("--since <duration>", "how far back the timeline of changes and audit events goes (default 24h)")
    .action(action(async () => (await import("./commands/diagnose.js")).diagnoseCommand));

  program
    .command("triage")
    .description("name the cause of a pasted Azure error (argument, stdin, or a paste on a terminal ended with Ctrl-D)")
    .argument("[text...]", "error text; read from stdin when absent")
    .action(action(async () => (await import("./commands/triage.js")).triageCommand));

  const runbooks = program.command("runbooks").description("list runbooks");
  runbooks.action(action(async () => (await import("./commands/runbooks.js")).listRunbooksCommand));
  runbooks
    .command("show")
    .argument("<id>", "runbook id")
    .addOption(new Option("--format <format>", "table or mermaid").choices(["table", "mermaid"]).default("table"))
    .action(action(async () => (await import("./commands/runbooks.js")).showRunbookCommand));

  const runOptions = (command: Command): Command =>
    target(command)
      .option("--yes", "approve change steps where local policy allows self-approval")
      .option(...CONFIRM_AFFECTED)
      .option("--dry-run", "show every step and its Azure CLI equivalent; change nothing")
      .option("--requester <name>", "who is running this (default: the OS user)");

  runOptions(
    program.command("run").description("run a runbook against a registry").argument("<runbook>", "runbook id"),
  ).action(action(async () => (await import("./commands/run.js")).runCommand));
  runOptions(program.command("recover").description("diagnose, then run the runbook the diagnosis names")).action(
    action(async () => (await import("./commands/run.js")).recoverCommand),
  );
  for (const id of SHORTCUT_RUNBOOKS) {
    runOptions(program.command(id).description(`run the ${id} runbook`))
      .option("--method <method>", "revoke: access-policy | role-assignment | disable-key")
      .action(action(async () => (await import("./commands/run.js")).runbookShortcut(id)));
  }

  const runs = program.command("runs").description("runs: list, show, resume, abort");
  runs
    .command("list")
    .description("the runs kept under ACR_CMK_HOME, newest first")
    .action(action(async () => (await import("./commands/runs.js")).listRunsCommand));
  runs
    .command("show")
    .description(
      "one run: its steps, approvals, choices and outcome (--format md: an incident report for a postmortem)",
    )
    .argument("<run-id>")
    .addOption(new Option("--format <format>", "text or md").choices(["text", "md"]).default("text"))
    .action(action(async () => (await import("./commands/runs.js")).showRunCommand));
  runs
    .command("resume")
    .description("continue a run from where it stopped, where it runs (Azure or its sandbox)")
    .argument("<run-id>")
    .option("--yes", "approve change steps where local policy allows self-approval")
    .option(...CONFIRM_AFFECTED)
    .option("--as <name>", "who is acting, as on ACR_CMK_APPROVERS (default: the OS user)")
    .option(
      "--method <method>",
      "revoke: access-policy | role-assignment | disable-key (default: as the run was started)",
    )
    .action(action(async () => (await import("./commands/runs.js")).resumeRunCommand));
  runs
    .command("abort")
    .description("stop a run for good and release its registry")
    .argument("<run-id>")
    .requiredOption("--reason <text>", "why the run is stopped (recorded in the audit log)")
    .option("--as <name>", "who is acting (default: the OS user)")
    .action(action(async () => (await import("./commands/runs.js")).abortRunCommand));

  program
    .command("audit")
    .description("audit log")
    .command("verify")
    .description("check the audit log's hash chain")
    .action(action(async () => (await import("./commands/audit.js")).verifyAuditCommand));

  const sandbox = program.command("sandbox").description("the embedded simulated Azure");
  sandbox
    .command("init")
    .description("create a fresh simulated world")
    .option("--scenario <name>", "named scenario")
    .option("--identity <kind>", "user | system")
    .option("--access <kind>", "policy | rbac")
    .option("--key-version <kind>", "latest | pinned")
    .option("--registries <n>", "fleet of n CMK registries")
    .option("--subscriptions <k>", "spread the fleet over k subscriptions")
    .option("--container-groups <m>", "add m container groups encrypted with customer-managed keys")
    .option("--keys <j>", "registries and container groups share j keys (one vault and identity each)")
    .option("--latency <ms>", "every sandbox request, in-process or served, takes this long")
    .option(
      "--audit-logs <on|dedicated|off>",
      "vaults send their audit events to a Log Analytics workspace: AzureDiagnostics (on, the default), AZKVAuditLogs (dedicated), or nowhere (off)",
    )
    .action(action(async () => (await import("./commands/sandbox.js")).sandboxInitCommand));
  sandbox
    .command("break")
    .description("put the world into the state an incident leaves behind")
    .argument("<incident>", `one of: ${INCIDENT_NAMES.join(", ")}`)
    .option("-r, --registry <name>", "which registry's setup to break (default: the first)")
    .option("--key <vault>/<key>", "break a shared key: every registry and container group using it")
    .option(
      "--in-progress [duration]",
      "key-deleted only: leave the key still being deleted (neither live nor in the deleted list, not recoverable yet) for this long in sandbox time, up to 60s, e.g. 30s for a drill (default: the world's keyDeletionMs, 2s)",
    )
    .option(
      "--as <upn>",
      "who made the change, as the Activity Log and audit events name them (default sandbox-operator@contoso.com)",
    )
    .option("--client <client>", "what they made it with: portal | cli | template | sdk | powershell (default cli)")
    .action(action(async () => (await import("./commands/sandbox.js")).sandboxBreakCommand));
  sandbox.command("status").action(action(async () => (await import("./commands/sandbox.js")).sandboxStatusCommand));
  sandbox
    .command("advance")
    .argument("<duration>", "e.g. 90d, 2h, 30m")
    .action(action(async () => (await import("./commands/sandbox.js")).sandboxAdvanceCommand));
  sandbox
    .command("serve")
    .option("--port <n>", "port (default: any free port); with --proxy, the proxy's port")
    .option("--latency <ms>", "delay every response by this many milliseconds")
    .option(
      "--proxy",
      "also serve an HTTPS proxy (CONNECT) for management.azure.com, login.microsoftonline.com, <vault>.vault.azure.net, <registry>.azurecr.io and api.loganalytics.io, so the Azure CLI and acr-cmk without --sandbox work against the sandbox (--output text prints what to paste)",
    )
    .action(action(async () => (await import("./commands/sandbox.js")).sandboxServeCommand));

  program
    .command("slack")
    .description("start the Slack app")
    .option("--socket-mode", "connect with SLACK_APP_TOKEN instead of serving HTTP")
    .action(action(async () => (await import("./commands/slack.js")).slackCommand));

  program
    .command("tui", { hidden: true })
    .description("the terminal UI (the default on a TTY)")
    .action(action(async () => (await import("./commands/tui.js")).tuiCommand));

  program.action(action(async () => (await import("./commands/tui.js")).homeCommand));
  return program;
}
