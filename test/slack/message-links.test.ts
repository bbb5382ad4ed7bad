// The run → message links live in the Slack app's own sqlite file under ACR_CMK_HOME and survive a restart.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { MessageLinks, SLACK_DATABASE_FILE } from "../../src/slack/message-links.js";

let home: string | undefined;
afterEach(() => {
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
});

describe("message links", () => {
  it("a link and what the thread was told are read back by the next process on the same home", () => {
    home = mkdtempSync(join(tmpdir(), "acr-cmk-links-"));
    const first = new MessageLinks(home);
    first.link("run-1", { channel: "C1", ts: "1700000000.000001", threadTs: "1700000000.000001" });
    first.announced("run-1", { approval: "recover-key:f00d:2030-01-01T00:15:00.000Z" });
    first.close();

    const second = new MessageLinks(home);
    expect(second.get("run-1")).toEqual({
      runId: "run-1",
      channel: "C1",
      ts: "1700000000.000001",
      threadTs: "1700000000.000001",
      announced: { approval: "recover-key:f00d:2030-01-01T00:15:00.000Z" },
    });
    expect(second.all().map((link) => link.runId)).toEqual(["run-1"]);
    expect(second.get("run-2")).toBeUndefined();
    second.close();
  });

  it("a run keeps the first message it was linked to", () => {
    const links = new MessageLinks(":memory:");
    links.link("run-1", { channel: "C1", ts: "1.1", threadTs: "1.1" });
    links.link("run-1", { channel: "C2", ts: "2.2", threadTs: "2.2" });
    expect(links.get("run-1")).toMatchObject({ channel: "C1", ts: "1.1" });
    links.close();
  });

  it("the file is in WAL mode and holds only ids and timestamps", () => {
    home = mkdtempSync(join(tmpdir(), "acr-cmk-links-"));
    new MessageLinks(home).close();
    const db = new DatabaseSync(join(home, SLACK_DATABASE_FILE));
    expect(db.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    const columns = (db.prepare("PRAGMA table_info(run_messages)").all() as Array<{ name: string }>).map((c) => c.name);
    expect(columns).toEqual([
      "run_id",
      "channel",
      "ts",
      "thread_ts",
      "announced_approval",
      "announced_status",
      "linked_at",
      "announced_expired",
    ]);
    db.close();
  });
});
