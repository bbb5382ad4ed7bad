// What the TUI needs from the world outside the RunEngine: the diagnosis and the registry list, as plain data.
import type { TimelineEntry } from "../diagnosis/timeline/types.js";
import type { Finding, RunbookId } from "../diagnosis/types.js";
import type { RunEngine } from "../runs/types.js";

/** A registry named by resource group and name (the subscription is the session's). */
export interface RegistryTarget {
  resourceGroup: string;
  registry: string;
}

/** One line of the registry chooser. */
export interface RegistryChoice extends RegistryTarget {
  location?: string;
  sku?: string;
}

/**
 * The part of the diagnosis report (src/diagnosis/diagnose.ts `DiagnosisReport`) the TUI shows; kept structural so
 * the TUI depends on the shape, not on the module.
 */
export interface TuiDiagnosis {
  healthy: boolean;
  findings: Finding[];
  /** Changes around the registry, newest first: a run started from here keeps them. */
  timeline?: TimelineEntry[];
}

/** One registry's verdict from the fleet scan, for the home screen's list. */
export interface RegistryHealth extends RegistryTarget {
  healthy: boolean;
  /** The most severe finding's id, when there is one. */
  finding?: string;
}

/** An ACI container group encrypted with a customer-managed key (the subscription is the session's). */
export interface GroupChoice {
  resourceGroup: string;
  containerGroup: string;
  /** Its resource id, as `diagnose --id` takes it. */
  id: string;
}

/** One container group's verdict from the fleet scan: the home screen lists groups as the scan finds them. */
export interface ContainerGroupHealth extends GroupChoice {
  healthy: boolean;
  finding?: string;
  /** The runbook that repairs its key; null when only a redeploy helps (or nothing is wrong). */
  runbook: RunbookId | null;
}

export type ResourceHealth = RegistryHealth | ContainerGroupHealth;

export function isGroupHealth(health: ResourceHealth): health is ContainerGroupHealth {
  return "containerGroup" in health;
}

/** A container group's diagnosis (src/diagnosis/fleet/container-group.ts), the part the TUI shows and runs from. */
export interface TuiGroupDiagnosis extends TuiDiagnosis {
  runbook: RunbookId | null;
  /** How to redeploy the group when its key's own fix is not enough. */
  redeploy: { command: string; file: string } | null;
  /** Other resources that read the same key. */
  sharedWith: string[];
  /** What a run for the group starts from (its encryptionProperties). */
  hints: Record<string, string>;
}

/** What needs Azure (or the sandbox) and the run store: loaded after the first frame is on screen. */
export interface TuiConnection {
  engine: RunEngine;
  diagnose: (target: RegistryTarget) => Promise<TuiDiagnosis>;
  listRegistries: () => Promise<RegistryChoice[]>;
  /**
   * Every registry's and container group's health in the subscription (`acr-cmk scan`), each verdict reported as it is
   * known; resolves with the key view's lines. Absent: the list shows no health and no container groups.
   */
  scanHealth?: (onResult: (health: ResourceHealth) => void) => Promise<{ keys: string[] }>;
  /** A container group's diagnosis by id (`diagnose --id`); absent: groups are listed but cannot be opened. */
  diagnoseContainerGroup?: (id: string) => Promise<TuiGroupDiagnosis>;
  subscriptionId: string;
  /**
   * How acr-cmk is run for this subscription, when the display's own invocation would not reach it (a subscription
   * chosen in the TUI: `acr-cmk --subscription <id>`).
   */
  invocation?: string;
}

/** One line of the subscription chooser (what GET /subscriptions says about one subscription). */
export interface SubscriptionChoice {
  subscriptionId: string;
  displayName: string;
  /** Enabled, Warned, PastDue, Disabled, Deleted (or a newer value): only Enabled can be chosen. */
  state: string;
  tenantId?: string;
}

/**
 * Where the TUI starts when no subscription was given: the subscriptions the person can see, and a connection to the
 * one they choose (loaded after the first frame, like the connection itself).
 */
export interface SubscriptionSource {
  listSubscriptions: () => Promise<SubscriptionChoice[]>;
  connect: (subscriptionId: string) => Promise<TuiConnection>;
}

/** The subscription the session works in when it was chosen in the TUI rather than given on the command line. */
export interface ChosenSubscription {
  choice: SubscriptionChoice;
  /** Taken without asking: the only subscription there is, or the only enabled one. */
  automatic?: "only" | "only-enabled";
}

/** Everything the TUI's screens share; fakes enter here in tests. */
export interface TuiSession extends TuiConnection {
  /** Who sits at the terminal: the requester of runs started here, and the approver of their changes. */
  requester: string;
  sandbox: boolean;
  /** The terminal's own approvals count as self-approval (local policy, as `--yes` is for the plain driver). */
  selfApprove: boolean;
  /** ACR_CMK_APPROVERS: who may approve change steps (empty: anyone but the requester, or the requester at a terminal). */
  approvers: readonly string[];
  /** How the person runs acr-cmk here (`acr-cmk --sandbox <file>` in sandbox mode): commands on screen start with it. */
  invocation: string;
  /** Set when the subscription was chosen in the TUI (absent when it came from flags or the environment). */
  chosenSubscription?: ChosenSubscription;
  /** Back to the subscription list; absent when the subscription came from flags or the environment. */
  chooseSubscription?: () => void;
}

/** How the TUI ended, so the command can print what to do next and pick the exit code. */
export interface TuiExit {
  /** The run that was on screen when the user left, if any. */
  runId?: string;
  reason: "quit" | "interrupt";
}
