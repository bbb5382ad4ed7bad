// Every runbook acr-cmk has, and how a person starts it: the one list the machines, the diagnosis and the drivers
// (CLI commands, Slack subcommands, the terminal's picker) read, so a new runbook is its machine, its actors and an
// entry here. It sits below every other room and imports nothing: the diagnosis names runbooks but may not import
// the machines (they import it), and the drivers reach it without loading a machine.

/**
 * What a run can be for: a container registry, or an ACI container group encrypted with a customer-managed key (its
 * encryption is fixed when it is deployed: only a runbook that repairs the key itself can help it).
 */
export type RunbookTargetKind = "registry" | "container-group";

/**
 * Every runbook, in the order lists show them (`acr-cmk runbooks`, the terminal's picker, usage errors), with the
 * targets it takes: a runbook that takes container groups has a container-group form among the machines.
 */
export const RUNBOOK_CATALOGUE = [
  { id: "key-deleted", title: "Recover a deleted key or key vault", targets: ["registry", "container-group"] },
  { id: "identity-removed", title: "Restore the registry's encryption identity", targets: ["registry"] },
  { id: "firewall-403", title: "Let the registry through the key vault firewall", targets: ["registry"] },
  { id: "revoke", title: "Revoke the registry's access to its key", targets: ["registry"] },
  { id: "restore", title: "Restore the registry's access to its key", targets: ["registry", "container-group"] },
  { id: "rotate", title: "Rotate the registry's key", targets: ["registry"] },
] as const satisfies ReadonlyArray<{ id: string; title: string; targets: readonly RunbookTargetKind[] }>;

export type RunbookId = (typeof RUNBOOK_CATALOGUE)[number]["id"];

export const RUNBOOK_IDS: readonly RunbookId[] = RUNBOOK_CATALOGUE.map((entry) => entry.id);

/**
 * Runbooks with a command of their own, `acr-cmk <id>` and `/acr-cmk <id>`, in the order help lists them: the
 * operations a person starts on purpose. The incident runbooks are started by `recover` (which diagnoses first) or,
 * in the CLI, by `run <id>`.
 */
export const SHORTCUT_RUNBOOKS = ["rotate", "revoke", "restore"] as const satisfies readonly RunbookId[];
export type ShortcutRunbookId = (typeof SHORTCUT_RUNBOOKS)[number];

/**
 * What a broken registry needs first when several things are wrong: its key and vault, its identity, the identity's
 * access, then the network path (firewall-403's rotate-key only helps once the identity may use the key). Runbooks
 * not listed (revoke) are never a step of a recovery.
 */
export const RECOVERY_ORDER = [
  "key-deleted",
  "identity-removed",
  "restore",
  "firewall-403",
  "rotate",
] as const satisfies readonly RunbookId[];

export function isRunbookId(id: string): id is RunbookId {
  return (RUNBOOK_IDS as readonly string[]).includes(id);
}

export function isShortcutRunbook(id: string): id is ShortcutRunbookId {
  return (SHORTCUT_RUNBOOKS as readonly string[]).includes(id);
}

/** The runbooks that take `kind` of target, in catalogue order. */
export function runbooksTaking(kind: RunbookTargetKind): RunbookId[] {
  return RUNBOOK_CATALOGUE.filter((entry) => (entry.targets as readonly RunbookTargetKind[]).includes(kind)).map(
    (entry) => entry.id,
  );
}

export function runbookTitle(id: RunbookId): string {
  return RUNBOOK_CATALOGUE.find((entry) => entry.id === id)?.title ?? id;
}

/** The acr-cmk words that start a runbook: its own command (`rotate`), else `run <id>`. */
export function cliRunCommand(id: RunbookId): string {
  return isShortcutRunbook(id) ? id : `run ${id}`;
}

/** The Slack subcommands that start a run: `recover`, then each runbook's own command. */
export const SLACK_RUN_SUBCOMMANDS = ["recover", ...SHORTCUT_RUNBOOKS] as const;
export type SlackRunSubcommand = (typeof SLACK_RUN_SUBCOMMANDS)[number];

/** The Slack subcommand that runs a runbook: its own command, else `recover` (the incident runbooks, or none named). */
export function slackRunSubcommand(id: RunbookId | null): SlackRunSubcommand {
  return id !== null && isShortcutRunbook(id) ? id : "recover";
}
