// Two `acr-cmk slack` replicas (real processes, the built CLI) behind one URL, sharing one storage account (Azurite)
// and one sandbox: any replica serves any request, a double click landing on both runs the change once, `runs resume`
// from another process approves a run started in Slack, and kill -9 of the replica working a step hands the run to
// the other replica, which finishes it without repeating a change.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { openRunRecords, type RunRecords } from "../../src/runs/run-records.js";
import type { RunView } from "../../src/runs/types.js";
import { breakWorld, createWorld, fileStore, initFileStore, worldNow } from "../../src/sandbox/index.js";
import { ACTION } from "../../src/slack/action-ids.js";
import { SLACK_DATABASE_FILE } from "../../src/slack/message-links.js";
import { startAzurite, type Azurite } from "../fixtures/azurite.js";
import { FakeSlack } from "./fake-slack.js";
import {
  ALICE,
  BOB,
  blockActionsPayload,
  buttonsOn,
  CAROL,
  SECRET,
  slashCommandFields,
  waitFor,
  type Button,
} from "./harness.js";
import { formBody, payloadBody, postSigned } from "./signed.js";

// Real time against a real emulator (and real processes): generous limits for a loaded 2-core machine. Limits, not
// waits: every wait below ends the moment its event comes.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 120_000 });
const PATIENCE_MS = 120_000;

/** Azure writes of an uninterrupted key-deleted recovery in the sandbox: recovering the key. */
const CLEAN_RUN_WRITES = 1;
const BIN = fileURLToPath(new URL("../../bin/acr-cmk.js", import.meta.url));

let azurite: Azurite;
let slack: FakeSlack;
let dir: string;
interface Replica {
  child: ChildProcess;
  url: string;
  home: string;
  /** What the replica printed (its log), for a failure message. */
  output(): string;
}
let replicas: Replica[] = [];
let records: RunRecords | undefined;

beforeAll(async () => {
  azurite = await startAzurite();
  slack = new FakeSlack();
  await slack.start();
  dir = mkdtempSync(join(tmpdir(), "acr-cmk-replicas-"));
});
afterAll(async () => {
  await slack.stop();
  await azurite.dispose();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  records?.close();
  records = undefined;
  for (const { child } of replicas) {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((resolve) => {
        child.once("exit", resolve);
        child.kill("SIGTERM");
      });
    }
  }
  replicas = [];
});

interface Setup {
  store: string;
  stateFile: string;
  env: NodeJS.ProcessEnv;
}

function setup(name: string): Setup {
  const world = createWorld({ now: new Date("2030-01-01T00:00:00Z") });
  breakWorld(world, "key-deleted", worldNow(world));
  const stateFile = join(dir, `${name}.json`);
  initFileStore(stateFile, world);
  const store = azurite.freshStore();
  const env = {
    ...process.env,
    NO_COLOR: "1",
    ACR_CMK_STORE: store,
    SLACK_BOT_TOKEN: "xoxb-test-token",
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    ACR_CMK_APPROVERS: `${BOB},${CAROL}`,
    ACR_CMK_LOCK_TTL_MS: "15000",
    ACR_CMK_TAKEOVER_MS: "500",
    ACR_CMK_SLACK_WATCH_MS: "200",
    ACR_CMK_POLL_INTERVAL_MS: "50",
  };
  records = openRunRecords(join(dir, "unused-home"), store);
  return { store, stateFile, env };
}

async function replica(s: Setup, name: string): Promise<Replica> {
  const home = mkdtempSync(join(dir, `${name}-home-`));
  const child = spawn(process.execPath, [BIN, "--sandbox", s.stateFile, "slack"], {
    env: { ...s.env, ACR_CMK_HOME: home, PORT: "0", HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"port":(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`replica ${name} exited (${code}): ${out}`)));
  });
  const started = { child, url: `http://127.0.0.1:${port}/slack/events`, home, output: () => out };
  replicas.push(started);
  return started;
}

const now = () => Math.floor(Date.now() / 1000);
const command = (url: string, user: string, text: string) =>
  postSigned(url, formBody(slashCommandFields(slack, user, text)), { secret: SECRET, timestamp: now() });
const click = (url: string, user: string, button: Button) =>
  postSigned(url, payloadBody(blockActionsPayload(slack, user, button)), { secret: SECRET, timestamp: now() });

/** The run started by the slash command: its id and its message (the first top-level post after `since` calls). */
async function startedRun(since: number): Promise<{ runId: string; channel: string; ts: string }> {
  const runId = await waitFor("the run", async () => (await records!.list())[0]?.id, PATIENCE_MS);
  const post = await waitFor(
    "the run's message",
    () =>
      slack.calls
        .slice(since)
        .find((call) => call.method === "chat.postMessage" && !call.args.thread_ts && call.result?.ok),
    PATIENCE_MS,
  );
  return { runId, channel: String(post.args.channel), ts: String(post.result!.ts) };
}

const view = async (runId: string): Promise<RunView> => (await records!.get(runId))!;

/** Clicks through the run on `urls` (round robin) until it ends: Approve for changes, "not now" for choices. */
async function driveToEnd(run: { runId: string; channel: string; ts: string }, urls: string[]): Promise<RunView> {
  for (let turn = 0; turn < 20; turn++) {
    const current = await waitFor(
      "the run to wait for a person or end",
      async () =>
        (["awaiting-approval", "awaiting-input"].includes((await view(run.runId)).status) ||
          !["running", "waiting"].includes((await view(run.runId)).status)) &&
        (await view(run.runId)),
      PATIENCE_MS,
    );
    if (current.status !== "awaiting-approval" && current.status !== "awaiting-input") return current;
    const buttons = await waitFor(
      "its buttons",
      () => {
        const shown = buttonsOn(slack, run.channel, run.ts);
        const fresh =
          current.status === "awaiting-approval"
            ? shown.find(
                (b) => b.action_id === ACTION.approve && JSON.parse(b.value).f === current.approval!.fingerprint,
              )
            : shown.find((b) => JSON.parse(b.value).o === "later");
        return fresh;
      },
      PATIENCE_MS,
    );
    await click(urls[turn % urls.length]!, BOB, buttons);
    await waitFor(
      "the click to take effect",
      async () => (await view(run.runId)).updatedAt !== current.updatedAt,
      PATIENCE_MS,
    );
  }
  throw new Error("the run did not end in 20 turns");
}

/** What the runbooks changed in the sandbox, in order: the changes made through requests (`sandbox break` has none). */
function requestChanges(stateFile: string): string[] {
  return (fileStore(stateFile).read().changes ?? []).filter((c) => c.requestId !== undefined).map((c) => c.operation);
}

function threadOf(ts: string): string[] {
  return slack
    .callsTo("chat.postMessage")
    .filter((call) => call.args.thread_ts === ts)
    .map((call) => String(call.args.text));
}

/** The run's end as a replica has it noted, once it decided whether to tell the thread (after claiming the post). */
function announcedEnd(home: string, runId: string): string | undefined {
  const db = new DatabaseSync(join(home, SLACK_DATABASE_FILE), { readOnly: true });
  try {
    const row = db.prepare("SELECT announced_status FROM run_messages WHERE run_id = ?").get(runId);
    return (row?.announced_status as string | null | undefined) ?? undefined;
  } finally {
    db.close();
  }
}

function trail(runId: string) {
  return records!.auditTrail(runId);
}

describe("two acr-cmk slack replicas on one storage account", () => {
  it("a run started on one replica is approved on both at once: the change runs once; any replica drives it to the end", async () => {
    const s = setup("double");
    const a = await replica(s, "a");
    const b = await replica(s, "b");
    const since = slack.calls.length;
    expect((await command(a.url, ALICE, "recover rg-acr-cmk-demo/acrcmkdemo")).status).toBe(200);
    const run = await startedRun(since);
    const waiting = await waitFor(
      "the approval request",
      async () => (await view(run.runId)).status === "awaiting-approval" && (await view(run.runId)),
      PATIENCE_MS,
    );
    const approve = await waitFor(
      "the Approve button",
      () => buttonsOn(slack, run.channel, run.ts).find((button) => button.action_id === ACTION.approve),
      PATIENCE_MS,
    );
    const answers = await Promise.all([click(a.url, BOB, approve), click(b.url, BOB, approve)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    await waitFor(
      "the change to run",
      async () =>
        (await view(run.runId)).updatedAt !== waiting.updatedAt && (await view(run.runId)).status !== "running",
      PATIENCE_MS,
    );
    const ended = await driveToEnd(run, [b.url, a.url]);
    expect(ended.status, JSON.stringify(ended.error ?? ended.outcome)).toBe("succeeded");
    const approvedSteps = (await trail(run.runId))
      .filter((entry) => entry.action === "approve" && entry.outcome === "approved")
      .map((entry) => entry.details.step);
    expect(new Set(approvedSteps).size).toBe(approvedSteps.length);
    expect(
      (await trail(run.runId)).filter((entry) => entry.action === "change-start" && entry.details.resumed === false),
    ).toHaveLength(approvedSteps.length);
    expect((await records!.verifyAudit()).ok).toBe(true);
    // Both replicas follow the run; its thread is told each thing once.
    const thread = () => threadOf(run.ts);
    await waitFor("the end in the thread", () => thread().some((text) => text.startsWith("Run ended")), PATIENCE_MS);
    // Not a guessed pause: both replicas have noted the end, so each has claimed its post or been refused.
    await waitFor(
      "both replicas to note the end",
      () => [a, b].every((r) => announcedEnd(r.home, run.runId)),
      PATIENCE_MS,
    );
    // On failure, the whole thread: which replica said what twice is the clue.
    expect(
      thread().filter((text) => text.startsWith("Run ended")),
      thread().join("\n"),
    ).toHaveLength(1);
    // The approval was requested once (no replica picked the run up from an older copy and asked again), and
    // announced once, by whichever replica claimed it first.
    const audited = await trail(run.runId);
    const clue = `${thread().join("\n")}\n--- audit:\n${audited
      .map((entry) => `${entry.at} ${entry.actor} ${entry.action} ${entry.outcome}`)
      .join("\n")}`;
    expect(
      audited.filter((entry) => entry.action === "approval-requested"),
      clue,
    ).toHaveLength(1);
    expect(
      thread().filter((text) => text.includes("approval needed")),
      clue,
    ).toHaveLength(1);
    // The recovery makes one write (the key's recovery): a double click did not make it twice.
    expect(fileStore(s.stateFile).read().counters.writes).toBe(CLEAN_RUN_WRITES);
    expect(requestChanges(s.stateFile)).toEqual(["KeyRecover"]);
  });

  it("a run started in Slack is approved from another process with runs resume --yes --as", async () => {
    const s = setup("resume");
    const a = await replica(s, "a");
    const since = slack.calls.length;
    await command(a.url, ALICE, "recover rg-acr-cmk-demo/acrcmkdemo");
    const run = await startedRun(since);
    await waitFor(
      "the approval request",
      async () => (await view(run.runId)).status === "awaiting-approval",
      PATIENCE_MS,
    );
    const home = mkdtempSync(join(dir, "laptop-"));
    const resumed = spawnSync(
      process.execPath,
      [BIN, "--sandbox", s.stateFile, "runs", "resume", run.runId, "--yes", "--as", BOB],
      {
        env: { ...s.env, ACR_CMK_HOME: home },
        encoding: "utf8",
        input: "",
        timeout: 120_000,
      },
    );
    expect(resumed.stderr).not.toContain("unexpected error");
    const approvals = (await trail(run.runId)).filter(
      (entry) => entry.action === "approve" && entry.outcome === "approved",
    );
    expect(approvals.length).toBeGreaterThan(0);
    expect(approvals.every((entry) => entry.actor === BOB)).toBe(true);
    expect((await trail(run.runId)).map((entry) => entry.action)).toContain("lock-handover");
  });

  it("kill -9 of the replica working a step: the other takes the run over and no change is repeated", async () => {
    const s = setup("kill");
    const a = await replica(s, "a");
    await replica(s, "b");
    const since = slack.calls.length;
    await command(a.url, ALICE, "recover rg-acr-cmk-demo/acrcmkdemo");
    const run = await startedRun(since);
    await waitFor("the approval request", async () => (await view(run.runId)).status === "awaiting-approval", 120_000);
    const approve = await waitFor(
      "the Approve button",
      () => buttonsOn(slack, run.channel, run.ts).find((button) => button.action_id === ACTION.approve),
      PATIENCE_MS,
    );
    await click(a.url, BOB, approve);
    await waitFor(
      "the change to start on a",
      async () => (await trail(run.runId)).some((entry) => entry.action === "change-start"),
      120_000,
    ).catch(async (error: Error) => {
      const said = slack.responses.map((post) => JSON.stringify(post.body).slice(0, 200));
      throw new Error(
        `${error.message}; audit: ${(await trail(run.runId))
          .map((e) => `${e.action}/${e.outcome}`)
          .join(", ")}; said: ${said.slice(-3).join(" | ")}`,
      );
    });
    a.child.kill("SIGKILL");
    const killedAt = Date.now();
    const killedAtIso = new Date(killedAt).toISOString();
    await waitFor(
      "b to take the run over",
      async () =>
        (await trail(run.runId)).some(
          (entry) => entry.action === "run-resume" && entry.actor === "acr-cmk" && entry.at >= killedAtIso,
        ),
      PATIENCE_MS,
    ).catch(async (error: Error) => {
      const audit = (await trail(run.runId)).map((e) => `${e.at} ${e.actor} ${e.action} ${e.outcome}`);
      throw new Error(
        `${error.message} (killed at ${killedAtIso}; run ${(await view(run.runId)).status})\naudit:\n${audit.join("\n")}\n` +
          `b said:\n${replicas[1]!.output().slice(-4000)}`,
      );
    });
    fileStore(s.stateFile).update((w) => void (w.settings.latencyMs = 0));
    const ended = await driveToEnd(run, [replicas[1]!.url]);
    expect(ended.status, JSON.stringify(ended.error ?? ended.outcome)).toBe("succeeded");
    // Counted by the change log, not the write counter: the simulated Azure runs inside the killed replica, which may
    // have made the change and died before counting the request (a separate update). The log is written with it.
    expect(requestChanges(s.stateFile)).toEqual(["KeyRecover"]);
    // b never showed this run before taking it over: it found the run's message through the shared store.
    await waitFor(
      "b to tell the thread",
      () => threadOf(run.ts).some((text) => text.startsWith("Run ended")),
      PATIENCE_MS,
    );
    expect(threadOf(run.ts).filter((text) => text.startsWith("Run ended"))).toHaveLength(1);
    expect((await records!.verifyAudit()).ok).toBe(true);
  }, 300_000);
});
