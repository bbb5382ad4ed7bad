// What the TUI needs from the world outside the RunEngine: the diagnosis and the registry list, as plain data.
import type { Finding } from "../diagnosis/types.js";
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
}

/** What needs Azure (or the sandbox) and the run store: loaded after the first frame is on screen. */
export interface TuiConnection {
  engine: RunEngine;
  diagnose: (target: RegistryTarget) => Promise<TuiDiagnosis>;
  listRegistries: () => Promise<RegistryChoice[]>;
  subscriptionId: string;
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
}

/** How the TUI ended, so the command can print what to do next and pick the exit code. */
export interface TuiExit {
  /** The run that was on screen when the user left, if any. */
  runId?: string;
  reason: "quit" | "interrupt";
}
