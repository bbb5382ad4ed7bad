// One channel message per run, kept up to date with chat.update on every RunView; the discussion (approval requests,
// who approved or rejected, the end) goes into its thread so approvers get a notification and the channel stays calm.
// Updates are coalesced per run: while one chat.update is in flight only the newest view waits behind it. The link
// run → message is persisted (message-links.ts), so after a restart the app re-attaches and keeps the messages current;
// runs that another process moves reach `show` through the run watcher (run-watcher.ts).
import type { webApi } from "@slack/bolt";
import { z } from "zod";
import type { RunEngine, RunView } from "../runs/types.js";
import { approvalExpired } from "../runs/approval-policy.js";
import { hasEnded } from "../runs/run-status.js";
import { person, escapeText } from "./blocks/mrkdwn.js";
import { renderRunMessage, type SlackMessage } from "./blocks/run-message.js";
import type { SlackLog } from "./log.js";
import type { Announced, MessageLink, MessageLinks } from "./message-links.js";
import { sameRevision } from "./run-watcher.js";

export interface MessageRef {
  channel: string;
  ts: string;
}

interface Tracked {
  ref: MessageLink;
  unsubscribe?: () => void;
  pending?: RunView;
  /** The newest view handed to the message, for the run watcher to compare with the store. */
  shown?: RunView;
  pumping?: Promise<void>;
  expiryTimer?: NodeJS.Timeout;
  /** What the thread was last told, so each announcement is made once. */
  announced: Announced;
}

export interface RunMessagesOptions {
  client: webApi.WebClient;
  engine: RunEngine;
  approvers: readonly string[];
  now: () => Date;
  log: SlackLog;
  /** Where the run → message links outlive the process. */
  links: MessageLinks;
  /**
   * The run store's claims, shared by every replica of the app: a thread announcement is made by the replica that
   * claims it first, and a run's message link is found by a replica that takes over a run it never showed.
   */
  shared?: {
    claim(key: string, value?: string): Promise<boolean>;
    claimed(key: string): Promise<string | undefined>;
  };
}

/** chat.postMessage failed in a way the requester can fix (typically: the bot is not in the channel). */
export class PostRefused extends Error {
  override readonly name = "PostRefused";
  constructor(readonly slackError: string) {
    super(
      slackError === "not_in_channel" || slackError === "channel_not_found"
        ? "acr-cmk is not a member of this channel: invite it with `/invite @acr-cmk` and run the command again."
        : `Slack refused to post the run's message (${slackError}).`,
    );
  }
}

function slackErrorOf(error: unknown): string {
  const data = (error as { data?: { error?: unknown } }).data;
  return typeof data?.error === "string" ? data.error : error instanceof Error ? error.message : String(error);
}

export class RunMessages {
  private readonly tracked = new Map<string, Tracked>();
  private closed = false;

  constructor(private readonly options: RunMessagesOptions) {}

  render(view: RunView): SlackMessage {
    return renderRunMessage(view, { now: this.options.now(), approvers: this.options.approvers });
  }

  /** Posts the placeholder a run will live in, before the run starts: a run is never left without its message. */
  async postPlaceholder(channel: string, text: string): Promise<MessageRef> {
    try {
      const result = await this.options.client.chat.postMessage({ channel, text });
      if (!result.ts) throw new PostRefused("no_ts");
      return { channel: result.channel ?? channel, ts: result.ts };
    } catch (error) {
      if (error instanceof PostRefused) throw error;
      throw new PostRefused(slackErrorOf(error));
    }
  }

  async replace(ref: MessageRef, text: string): Promise<void> {
    await this.options.client.chat.update({ channel: ref.channel, ts: ref.ts, text, blocks: [] });
  }

  /**
   * Binds a run to its message and follows it. Idempotent; call it again after anything that may (re)launch the run.
   * Without `ref`, the stored link is used: a run linked before a restart is followed again. Never rejects: a store
   * that does not answer leaves the message as it is until the next view.
   */
  async watch(runId: string, ref?: MessageRef): Promise<void> {
    if (this.closed) return;
    let tracked = this.tracked.get(runId);
    if (!tracked) {
      const found = (await this.stored(runId)) ?? (ref ? this.link(runId, ref) : undefined);
      if (!found) return;
      // Another call may have tracked it meanwhile: one Tracked per run.
      tracked = this.tracked.get(runId) ?? found;
      this.tracked.set(runId, tracked);
    }
    // The engine only notifies about runs it drives right now; a run resumed after a restart needs a new subscription.
    tracked.unsubscribe?.();
    tracked.unsubscribe = this.options.engine.subscribe(runId, (view) => this.show(view));
    const view = await this.safelyAsync("read a run", () => this.options.engine.get(runId));
    if (view) this.show(view);
  }

  /**
   * After a restart: follows again every linked run that can still move (waits for a person, runs, or stopped at an
   * error it can retry). Each message is re-rendered at once (an approval that expired meanwhile shows "Ask again")
   * and its expiry timer re-armed. Returns how many runs it re-attached.
   */
  async reattach(): Promise<number> {
    let count = 0;
    for (const link of this.safely("read the run message links", () => this.options.links.all()) ?? []) {
      const view = await this.safelyAsync("read a run", () => this.options.engine.get(link.runId));
      if (!view || endedFor(view)) continue;
      await this.watch(link.runId);
      count++;
    }
    return count;
  }

  /** Runs whose message may still change: the last view shown waits, runs, or stopped at an error it can retry. */
  following(): RunView[] {
    return [...this.tracked.values()]
      .map((tracked) => tracked.shown)
      .filter((view): view is RunView => view !== undefined && !endedFor(view));
  }

  /** A view of a linked run that this process did not produce (another process moved the run); false if already shown. */
  showMoved(view: RunView): boolean {
    const shown = this.tracked.get(view.id)?.shown;
    if (!shown || sameRevision(shown, view)) return false;
    this.show(view);
    return true;
  }

  async refOf(runId: string): Promise<MessageRef | undefined> {
    const ref = this.tracked.get(runId)?.ref ?? (await this.stored(runId))?.ref;
    return ref ? { channel: ref.channel, ts: ref.ts } : undefined;
  }

  /** A reply in the run's thread: who did what, so the channel has the conversation and the audit trail agrees. */
  async say(runId: string, text: string): Promise<void> {
    if (this.closed) return;
    const ref = this.tracked.get(runId)?.ref ?? (await this.stored(runId))?.ref;
    if (!ref) return;
    try {
      await this.options.client.chat.postMessage({ channel: ref.channel, thread_ts: ref.threadTs, text });
    } catch (error) {
      this.options.log.warn({ runId, slackError: slackErrorOf(error) }, "thread reply failed");
    }
  }

  /** Resolves when every pending chat.update has been sent (tests and shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      const pumps = [...this.tracked.values()].map((t) => t.pumping).filter(Boolean);
      if (pumps.length === 0) return;
      await Promise.all(pumps);
    }
  }

  close(): void {
    this.closed = true;
    for (const tracked of this.tracked.values()) {
      tracked.unsubscribe?.();
      if (tracked.expiryTimer) clearTimeout(tracked.expiryTimer);
    }
  }

  private async stored(runId: string): Promise<Tracked | undefined> {
    const stored = this.safely("read a run message link", () => this.options.links.get(runId));
    if (!stored) return this.sharedLink(runId);
    return { ref: { channel: stored.channel, ts: stored.ts, threadTs: stored.threadTs }, announced: stored.announced };
  }

  private link(runId: string, ref: MessageRef): Tracked {
    // The message's thread holds the discussion (slash commands are not delivered in threads, so it is top level).
    const link: MessageLink = { channel: ref.channel, ts: ref.ts, threadTs: ref.ts };
    this.safely("store a run message link", () => this.options.links.link(runId, link));
    void this.safelyAsync("share a run message link", async () => {
      await this.options.shared?.claim(`slack-link:${runId}`, JSON.stringify(link));
    });
    return { ref: link, announced: {} };
  }

  /** A run another replica showed: its message, as that replica shared it (kept here from now on). */
  private async sharedLink(runId: string): Promise<Tracked | undefined> {
    const raw = await this.safelyAsync("read a shared run message link", async () =>
      this.options.shared?.claimed(`slack-link:${runId}`),
    );
    const parsed = raw === undefined ? undefined : sharedLinkSchema.safeParse(parseJson(raw));
    if (!parsed?.success) return undefined;
    this.safely("store a run message link", () => this.options.links.link(runId, parsed.data));
    return { ref: parsed.data, announced: {} };
  }

  /** The links are a convenience for restarts: a failing disk must not stop a run's message from being updated. */
  private safely<T>(what: string, work: () => T): T | undefined {
    try {
      return work();
    } catch (error) {
      this.options.log.warn({ error: error instanceof Error ? error.name : typeof error }, `could not ${what}`);
      return undefined;
    }
  }

  private async safelyAsync<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.options.log.warn({ error: error instanceof Error ? error.name : typeof error }, `could not ${what}`);
      return undefined;
    }
  }

  private show(view: RunView): void {
    const tracked = this.tracked.get(view.id);
    if (!tracked || this.closed) return;
    tracked.pending = view;
    tracked.shown = view;
    this.armExpiry(tracked, view);
    this.announce(tracked, view);
    if (!tracked.pumping) {
      tracked.pumping = this.pump(tracked).finally(() => {
        tracked.pumping = undefined;
      });
    }
  }

  private async pump(tracked: Tracked): Promise<void> {
    while (tracked.pending && !this.closed) {
      const view = tracked.pending;
      tracked.pending = undefined;
      const message = this.render(view);
      try {
        await this.options.client.chat.update({ channel: tracked.ref.channel, ts: tracked.ref.ts, ...message });
      } catch (error) {
        this.options.log.warn({ runId: view.id, slackError: slackErrorOf(error) }, "chat.update failed");
      }
    }
  }

  /**
   * The engine driving a run announces its expiry with a new view; a run no engine here drives (re-attached after a
   * restart, or left by the CLI) gets none, so the message re-renders itself at the expiry to show "Ask again".
   */
  private armExpiry(tracked: Tracked, view: RunView): void {
    if (tracked.expiryTimer) clearTimeout(tracked.expiryTimer);
    tracked.expiryTimer = undefined;
    if (!view.approval || approvalExpired(view.approval, this.options.now())) return;
    const delay = Date.parse(view.approval.expiresAt) - this.options.now().getTime() + 1000;
    tracked.expiryTimer = setTimeout(
      () => {
        tracked.expiryTimer = undefined;
        void this.safelyAsync("read a run", () => this.options.engine.get(view.id)).then((latest) => {
          if (latest) this.show(latest);
        });
      },
      Math.min(Math.max(delay, 0), 2 ** 31 - 1),
    );
    tracked.expiryTimer.unref();
  }

  /**
   * Says `text` in the run's thread once across replicas: the one that claims the announcement first makes it; a store
   * that cannot answer lets it through.
   */
  private announceOnce(runId: string, kind: string, key: string, text: string): void {
    const shared = this.options.shared;
    const claim = shared
      ? this.safelyAsync("claim a thread announcement", () => shared.claim(`slack-announce:${runId}:${kind}:${key}`))
      : Promise.resolve(true);
    void claim.then((mine) => ((mine ?? true) ? this.say(runId, text) : undefined));
  }

  private announce(tracked: Tracked, view: RunView): void {
    const { announced } = tracked;
    const before = { ...announced };
    if (view.status === "awaiting-approval" && view.approval) {
      const key = `${view.approval.stepId}:${view.approval.fingerprint}:${view.approval.expiresAt}`;
      if (announced.approval !== key) {
        announced.approval = key;
        const who = this.options.approvers.length ? this.options.approvers.map(person).join(" ") : "An approver";
        this.announceOnce(
          view.id,
          "approval",
          key,
          `${who}: approval needed for *${escapeText(view.approval.title)}* (risk ${view.approval.risk}), requested by ${person(view.approval.requester)}.`,
        );
      }
    }
    if (view.status === "awaiting-approval" && view.approval && approvalExpired(view.approval, this.options.now())) {
      const key = `${view.approval.stepId}:${view.approval.fingerprint}:${view.approval.expiresAt}`;
      if (announced.expired !== key) {
        announced.expired = key;
        this.announceOnce(
          view.id,
          "expired",
          key,
          `Nobody approved *${escapeText(view.approval.title)}* before ${view.approval.expiresAt}: the request expired and the run waits. *Ask again* on the run's message requests it anew.`,
        );
      }
    }
    if (hasEnded(view.status) && announced.status !== view.status) {
      announced.status = view.status;
      const summary = view.outcome?.summary ? ` ${escapeText(view.outcome.summary)}` : "";
      this.announceOnce(view.id, "status", view.status, `Run ended: *${view.status}*.${summary}`);
    }
    if (
      announced.approval !== before.approval ||
      announced.status !== before.status ||
      announced.expired !== before.expired
    ) {
      this.safely("store what the thread was told", () => this.options.links.announced(view.id, announced));
    }
  }
}

/** A link another replica wrote into the shared store: checked like any input. */
const sharedLinkSchema = z.object({ channel: z.string().min(1), ts: z.string().min(1), threadTs: z.string().min(1) });

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** A run that can no longer move ("failed" can: RETRY). */
function endedFor(view: RunView): boolean {
  return hasEnded(view.status);
}
