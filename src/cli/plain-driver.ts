// The line-per-step driver for a stdout that is not a terminal (pipes, CI, scripts): one line when a step starts and
// one when it ends, with its `az` equivalent and evidence; approvals and choices as plain prompts. It holds no runbook
// logic: it only prints RunViews and sends the events a person would.
import { RunRefused, type RunEngine, type RunView, type StepView } from "../runs/types.js";
import { undoOrder } from "../runs/undo.js";
import { affectedCount, approveCommand } from "./confirm-affected.js";
import { targetPath } from "../machines/target.js";

export interface PlainDriverOptions {
  engine: RunEngine;
  runId: string;
  out: NodeJS.WritableStream;
  /** Who approves and chooses (the local user). */
  by: string;
  /** `--yes`: approve change steps where policy allows self-approval, and take a choice's default. */
  yes: boolean;
  /** Typed back as the confirmation that high-risk steps need (the operator named it on the command line). */
  registry: string;
  /** `--confirm-affected <n>`: typed back when an approval wants the number of resources affected (a shared key). */
  confirmAffected?: number;
  /** Preset answers to choices, matched against the offered option ids (e.g. `--method disable-key`). */
  answers?: readonly string[];
  /** How the user invokes acr-cmk (with --sandbox …), for the commands we print. */
  invocation: string;
  /** Settles when the person interrupts (Ctrl-C): the run is stopped at its last saved step and the driver returns. */
  interrupted?: Promise<void>;
  /** How waits are reported (a clock for tests; how to move on in the sandbox). */
  waits?: WaitReporting;
}

export interface WaitReporting {
  now?: () => Date;
  /** Said once when a wait starts: how to move on without waiting (the sandbox's `sandbox advance 1h`). */
  moveOn?: string;
}

/** A durable wait looks again every poll (every second in the sandbox): one line a minute says it is still going. */
const PROGRESS_EVERY_MS = 60_000;

function minutes(ms: number): string {
  const total = Math.round(ms / 1000);
  return total < 60 ? `${total}s` : `${Math.floor(total / 60)}m ${String(total % 60).padStart(2, "0")}s`;
}

const MARK: Record<StepView["status"], string> = {
  done: "ok",
  current: "..",
  pending: "  ",
  skipped: "--",
  failed: "!!",
  rejected: "no",
};

/** Prints what changed between two views of a run. */
export class PlainPrinter {
  private readonly seen = new Map<string, StepView["status"]>();
  /** Steps printed as under way so far: a wait's re-looks come back to them, and are not printed again. */
  private readonly started = new Set<string>();
  private logLines = 0;
  private wait?: { stepId: string; since: number; reported: number };

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly waits: WaitReporting = {},
  ) {}

  header(view: RunView): void {
    const { target } = view;
    this.line(`Run ${view.id}: ${view.runbook} on ${targetPath(target)} (requested by ${view.requester})`);
  }

  update(view: RunView): void {
    for (const step of view.steps) {
      const before = this.seen.get(step.id) ?? "pending";
      if (before === step.status) continue;
      this.seen.set(step.id, step.status);
      // While a wait goes on, its poll-and-check cycle moves between steps already under way: the progress line
      // stands for those lines. A step that was never under way means the wait is over.
      const looped = this.started.has(step.id);
      if (step.status === "current") this.started.add(step.id);
      if (this.wait && looped) continue;
      if (this.wait && step.status === "current") this.wait = undefined;
      if (step.status === "current") {
        this.line(`[..] ${step.title}`);
        if (step.az) this.line(`     az: ${step.az}`);
      } else if (step.status === "done" || step.status === "failed" || step.status === "rejected") {
        this.line(`[${MARK[step.status]}] ${step.title}${step.status === "rejected" ? " (rejected)" : ""}`);
        for (const evidence of step.evidence ?? []) this.line(`     - ${evidence}`);
      }
    }
    for (const entry of view.log.slice(this.logLines)) {
      if (entry.level !== "info") this.line(`     ${entry.level}: ${entry.message}`);
    }
    this.logLines = view.log.length;
    this.reportWait(view);
  }

  /** Once when a wait starts (what is awaited, until when, how to move on), then at most one line a minute. */
  private reportWait(view: RunView): void {
    if (view.status !== "waiting") return;
    const step = view.steps.find((s) => s.id === view.currentStepId);
    if (!step) return;
    const now = (this.waits.now ?? (() => new Date()))().getTime();
    const until = view.deadline ? ` (gives up at ${view.deadline})` : "";
    if (!this.wait) {
      this.wait = { stepId: step.id, since: now, reported: now };
      this.line(`     waiting: ${step.title}${until}; looking again until then`);
      if (this.waits.moveOn) this.line(`     ${this.waits.moveOn}`);
      return;
    }
    if (now - this.wait.reported < PROGRESS_EVERY_MS) return;
    this.wait.reported = now;
    this.line(`     still waiting: ${step.title}, ${minutes(now - this.wait.since)} so far${until}`);
  }

  line(text: string): void {
    this.out.write(`${text}\n`);
  }
}

function describeApproval(printer: PlainPrinter, view: RunView): void {
  const request = view.approval!;
  printer.line(`Approval needed: ${request.title}`);
  printer.line(`     resource: ${request.resource}`);
  printer.line(`     before:   ${request.before}`);
  printer.line(`     after:    ${request.after}`);
  if (view.incident?.undoes) printer.line(`     undoes:   ${view.incident.undoes.summary}`);
  printer.line(`     az:       ${request.az}`);
  printer.line(
    `     risk:     ${request.risk}${request.irreversible ? " (irreversible)" : ""}; expires ${request.expiresAt}`,
  );
}

/** Drives a run until it ends or needs a person this driver cannot stand in for; returns the last view. */
export async function drivePlain(options: PlainDriverOptions): Promise<RunView> {
  const { engine, runId } = options;
  const printer = new PlainPrinter(options.out, options.waits);
  const first = await engine.get(runId);
  if (first) {
    printer.header(first);
    printer.update(first);
  }
  const unsubscribe = engine.subscribe(runId, (view) => printer.update(view));
  const approved = new Set<string>();
  const answered = new Set<string>();
  const interrupted = options.interrupted?.then(() => "interrupted" as const);
  try {
    for (;;) {
      const view = await (interrupted ? Promise.race([engine.settled(runId), interrupted]) : engine.settled(runId));
      if (view === "interrupted") return await engine.interrupt(runId, options.by);
      printer.update(view);
      if (view.status === "awaiting-approval" && view.approval) {
        const request = view.approval;
        describeApproval(printer, view);
        const key = `${request.stepId}:${request.fingerprint}`;
        const approve = approveCommand(options.invocation, runId, request);
        // A revoke that cuts off more than its target wants the count typed back: --yes alone does not give it.
        const count = affectedCount(request);
        if (options.yes && count !== undefined && options.confirmAffected === undefined) {
          printer.line(
            `This change cuts off ${count} resources; --yes alone does not approve it. Continue with: ${approve}`,
          );
          return view;
        }
        if (!options.yes || approved.has(key)) {
          printer.line(
            `Waiting for approval. Approve it with: ${approve} ` +
              `(yourself when ACR_CMK_APPROVERS is empty; otherwise an approver, with --as <name>)`,
          );
          return view;
        }
        approved.add(key);
        // Said before the call: the engine reports the next step while approve() is still returning.
        printer.line(
          `     approving as ${options.by} (--yes${count !== undefined ? ` --confirm-affected ${options.confirmAffected}` : ""})`,
        );
        try {
          const confirmation = count !== undefined ? String(options.confirmAffected) : options.registry;
          await engine.approve(runId, options.by, { fingerprint: request.fingerprint, confirmation });
        } catch (error) {
          if (!(error instanceof RunRefused)) throw error;
          printer.line(`Approval refused: ${error.message}`);
          if (error.reason === "confirmation-required" && count !== undefined) {
            printer.line(`The run waits for approval. Continue with: ${approve}`);
          }
          if (error.reason === "not-approver" || error.reason === "self-approval") {
            printer.line(`An approver continues the run with: ${approve} [--as <approver>]`);
          }
          return (await engine.get(runId)) ?? view;
        }
        continue;
      }
      if (view.status === "awaiting-input" && view.input) {
        const input = view.input;
        const ids = input.options.map((option) => option.id);
        const preset = options.answers?.find((answer) => ids.includes(answer));
        const choice = preset ?? (options.yes ? input.defaultOption : undefined);
        printer.line(`Choice needed: ${input.prompt}`);
        for (const option of input.options) printer.line(`     ${option.id}: ${option.label}`);
        const unoffered = (options.answers ?? []).filter((answer) => !ids.includes(answer));
        if (!preset && unoffered.length > 0) {
          // The operator's preset answer does not fit this setup: stop here rather than leave the registry held by a
          // run nobody can answer from a script.
          const reason = `${unoffered.join(", ")} does not apply here; this setup allows: ${ids.join(", ")}`;
          printer.line(`     ${reason}`);
          return await engine.abort(runId, options.by, reason).then(() => engine.settled(runId));
        }
        if (!choice || answered.has(input.stepId + choice)) {
          printer.line(
            `Waiting for a choice: resume in a terminal (${options.invocation} runs resume ${runId}) or use Slack.`,
          );
          return view;
        }
        answered.add(input.stepId + choice);
        printer.line(`     chose ${choice}${preset ? "" : " (the default, --yes)"}`);
        await engine.input(runId, options.by, choice);
        continue;
      }
      return view;
    }
  } finally {
    unsubscribe();
  }
}

/** Exit codes for where a run stopped (the README's table); 130 is the shell's code for an interrupt (128 + SIGINT). */
export function exitCodeForRun(view: RunView): number {
  switch (view.status) {
    case "succeeded":
      return 0;
    case "failed":
      return 3;
    case "stopped":
      return 130;
    default:
      // unrecoverable, escalated, rejected, aborted, or waiting for a person: not recovered (yet).
      return view.dryRun ? 0 : 1;
  }
}

/** The closing lines: what happened, what to do next, how to undo, how to continue. */
export function printRunEnd(out: NodeJS.WritableStream, view: RunView, invocation: string): void {
  const printer = new PlainPrinter(out);
  printer.line(`Run ${view.id} ${view.status}.`);
  if (view.status === "stopped") {
    const at = view.steps.find((step) => step.id === view.currentStepId)?.title ?? view.currentStepId ?? "its start";
    printer.line(`Interrupted at "${at}": nothing more is sent to Azure for this run, and it stays resumable.`);
    printer.line(`Continue it with: ${invocation} runs resume ${view.id}`);
  }
  if (view.status === "failed" && view.error) {
    printer.line(
      `Stopped at ${view.error.step}: ${view.error.message}${view.error.requestId ? ` (request id ${view.error.requestId})` : ""}`,
    );
    printer.line(`Fix the cause, then continue: ${invocation} runs resume ${view.id}`);
  }
  if (view.outcome) {
    printer.line(view.outcome.summary);
    for (const step of view.outcome.nextSteps) printer.line(`  next: ${step}`);
  }
  if (view.rollback.length > 0) {
    printer.line(
      view.status === "failed"
        ? "To undo this run's changes, newest first (the step that failed may not have changed anything; check before undoing it):"
        : "To undo what this run changed, run these in this order (newest change first):",
    );
    for (const command of undoOrder(view)) printer.line(`  ${command}`);
  }
}
