// Entry of the terminal UI: mount the shell on the given streams, wait until the person leaves, put the terminal
// back, and leave a closing note on the primary screen (how the run ended, or the command that resumes it).
import { render } from "ink";
import type { RunEngine, RunView } from "../runs/types.js";
import { AppShell, type Screens, type ShellLink } from "./components/AppShell.js";
import { isFinal, resumeCommand, statusWords, targetLabel } from "./format.js";
import { guardTerminal, type GuardedProcess } from "./terminal.js";
import type { RegistryTarget, SubscriptionSource, TuiConnection, TuiExit } from "./types.js";
import { undoOrder } from "../runs/undo.js";

/** How the TUI looks and where it draws; the connection (engine, diagnosis, registries) comes alongside. */
export interface TuiDisplayOptions {
  requester: string;
  /** Registry from the command line: Home diagnoses it at once. */
  target?: RegistryTarget;
  /** Open this run directly (`acr-cmk run` / `recover` / `runs resume` on a TTY); leaving it leaves the TUI. */
  runId?: string;
  sandbox: boolean;
  color: boolean;
  /** Local policy: the person at this terminal may approve their own changes. Default true. */
  selfApprove?: boolean;
  /** ACR_CMK_APPROVERS, so a refusal can say who may approve. Default none. */
  approvers?: readonly string[];
  /** How acr-cmk is run here (`acr-cmk --sandbox <file>`), for the commands the TUI prints. Default `acr-cmk`. */
  invocation?: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream;
  /** Draw on the alternate screen (default: when stdout is a TTY). */
  alternateScreen?: boolean;
  /** Write every frame whole (tests read frames from a fake stdout). */
  debug?: boolean;
  /** Process events for the terminal guard (tests pass a fake). */
  proc?: GuardedProcess;
  /** Called once the first frame is on the terminal (start-up benchmark, tests). */
  onFirstFrame?: () => void;
}

/**
 * Either the connection itself, or `connect`, which the TUI calls after its first frame is on screen (loading the
 * Azure SDK and the run store takes longer than a person should stare at a blank terminal), or, when no subscription
 * was given, `subscriptions`: listed after the first frame, and connected to once one is chosen.
 */
export type RenderTuiOptions = TuiDisplayOptions &
  (TuiConnection | { connect: () => Promise<TuiConnection> } | { subscriptions: SubscriptionSource });

export interface TuiResult extends TuiExit {
  /** The last view of the run that was on screen. */
  view?: RunView;
}

/**
 * What the person reads after the TUI is gone: the end of the run or how to pick it up again. Undo commands come here
 * whole, one per line, so they can be copied from the terminal's own scrollback.
 */
export function closingNote(view: RunView | undefined, invocation = "acr-cmk"): string {
  if (!view) return "";
  const lines: string[] = [];
  if (isFinal(view)) {
    lines.push(`Run ${view.id} (${view.runbook}, ${targetLabel(view.target)}): ${statusWords(view.status)}.`);
    if (view.outcome) {
      lines.push(view.outcome.summary);
      for (const step of view.outcome.nextSteps) lines.push(`  - ${step}`);
    }
    // A run stopped at an Azure error picks up again where it stopped.
    if (view.status === "failed") lines.push(`Resume it with: ${resumeCommand(view.id, invocation)}`);
    if (view.rollback.length > 0) {
      lines.push("Commands that undo this run's changes, in this order (newest change first):");
      for (const command of undoOrder(view)) lines.push(`  ${command}`);
    }
  } else {
    lines.push(
      `Run ${view.id} (${view.runbook}, ${targetLabel(view.target)}) is ${statusWords(view.status)}; nothing is lost.`,
    );
    lines.push(`Resume it with: ${resumeCommand(view.id, invocation)}`);
  }
  return lines.join("\n") + "\n";
}

const loadScreens = (): Promise<Screens> => import("./screens/index.js");

export async function renderTui(options: RenderTuiOptions): Promise<TuiResult> {
  const interactive = Boolean(options.stdout.isTTY);
  const alternateScreen = options.alternateScreen ?? interactive;
  // With the connection at hand (a run opened from the command line) the screens load first and the first frame is
  // the screen itself; otherwise they load alongside the connection, once the first frame is on screen.
  const connectionAtHand = !("connect" in options) && !("subscriptions" in options);
  const screensAtHand = connectionAtHand ? await loadScreens() : undefined;
  const guard = guardTerminal(options, { alternateScreen, proc: options.proc });
  let exit: TuiExit = { reason: "quit" };
  let firstFrame = options.onFirstFrame;
  let engine: RunEngine | undefined;
  // The engine and invocation of the connection on screen, for the closing note.
  let invocation = options.invocation;
  const remember = (value: TuiConnection) => {
    engine = value.engine;
    invocation = value.invocation ?? options.invocation;
    return value;
  };
  let link: ShellLink;
  // Started after render() below has drawn the first frame: render is synchronous, these promises run after it.
  const screens = screensAtHand ?? Promise.resolve().then(loadScreens);
  if ("subscriptions" in options) {
    const source = options.subscriptions;
    link = {
      subscriptions: {
        source: { ...source, connect: (subscriptionId) => source.connect(subscriptionId).then(remember) },
        listing: Promise.resolve().then(() => source.listSubscriptions()),
      },
    };
  } else if ("connect" in options) {
    link = {
      connection: Promise.resolve()
        .then(() => options.connect())
        .then(remember),
    };
  } else {
    engine = options.engine;
    link = {
      connection: {
        engine: options.engine,
        diagnose: options.diagnose,
        listRegistries: options.listRegistries,
        ...(options.scanHealth ? { scanHealth: options.scanHealth } : {}),
        ...(options.diagnoseContainerGroup ? { diagnoseContainerGroup: options.diagnoseContainerGroup } : {}),
        subscriptionId: options.subscriptionId,
      },
    };
  }
  const instance = render(
    <AppShell
      session={{
        requester: options.requester,
        sandbox: options.sandbox,
        selfApprove: options.selfApprove ?? true,
        approvers: options.approvers ?? [],
        invocation: options.invocation ?? "acr-cmk",
      }}
      {...link}
      screens={screens}
      initial={options.runId ? { name: "run", runId: options.runId } : { name: "home" }}
      target={options.target}
      canGoHome={options.runId === undefined}
      color={options.color}
      onExit={(value) => (exit = value)}
    />,
    {
      stdout: options.stdout,
      stdin: options.stdin,
      stderr: options.stderr,
      // Ctrl-C is ours: it leaves like q does, with the resume note, instead of killing the process mid-frame.
      exitOnCtrlC: false,
      patchConsole: false,
      // Ink turns itself non-interactive when CI is set; a real terminal is interactive whatever the environment says.
      interactive,
      alternateScreen,
      debug: options.debug,
      onRender: () => {
        if (!firstFrame) return;
        const notify = firstFrame;
        firstFrame = undefined;
        notify();
      },
    },
  );
  try {
    await instance.waitUntilExit();
  } catch (error) {
    // Ink unmounted on a render error; make sure nothing of the TUI's terminal state survives it.
    guard.restore();
    throw error;
  } finally {
    guard.dispose();
  }
  const view = exit.runId && engine ? await engine.get(exit.runId) : undefined;
  const note = closingNote(view, invocation);
  if (note) options.stdout.write(note);
  return { ...exit, ...(view ? { view } : {}) };
}
