// Which Slack message shows which run, kept in a small sqlite file of the Slack app's own under ACR_CMK_HOME, so that
// after a restart of `acr-cmk slack` every run's message keeps being updated. Only ids live here (run, channel,
// message and thread timestamps) and what the thread was last told; never a token, a secret or message text.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";

export const SLACK_DATABASE_FILE = "slack.sqlite";

export interface MessageLink {
  channel: string;
  /** The run's own message. */
  ts: string;
  /** Where its discussion goes (the message's thread). */
  threadTs: string;
}

/** What the thread was last told about a run, so each announcement is made once, restarts included. */
export interface Announced {
  approval?: string;
  /** The approval request whose expiry the thread was told of. */
  expired?: string;
  status?: string;
}

export interface StoredLink extends MessageLink {
  runId: string;
  announced: Announced;
}

// Versioned with PRAGMA user_version; each entry runs once, in order.
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE run_messages (
     run_id TEXT PRIMARY KEY,
     channel TEXT NOT NULL,
     ts TEXT NOT NULL,
     thread_ts TEXT NOT NULL,
     announced_approval TEXT,
     announced_status TEXT,
     linked_at TEXT NOT NULL
   )`,
  `ALTER TABLE run_messages ADD COLUMN announced_expired TEXT`,
];

interface Row {
  run_id: string;
  channel: string;
  ts: string;
  thread_ts: string;
  announced_approval: string | null;
  announced_status: string | null;
  announced_expired: string | null;
}

function fromRow(row: Row): StoredLink {
  const announced: Announced = {};
  if (row.announced_approval !== null) announced.approval = row.announced_approval;
  if (row.announced_status !== null) announced.status = row.announced_status;
  if (row.announced_expired !== null) announced.expired = row.announced_expired;
  return { runId: row.run_id, channel: row.channel, ts: row.ts, threadTs: row.thread_ts, announced };
}

export class MessageLinks {
  private readonly db: DatabaseSync;
  private closed = false;

  /** `home` is ACR_CMK_HOME; `:memory:` keeps the links for this process only. */
  constructor(
    home: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (home === ":memory:") {
      this.db = new DatabaseSync(":memory:");
    } else {
      mkdirSync(home, { recursive: true });
      this.db = new DatabaseSync(join(home, SLACK_DATABASE_FILE));
      // WAL: `acr-cmk runs` and a backup can read while the app writes.
      this.db.exec("PRAGMA journal_mode = WAL");
    }
    this.db.exec("PRAGMA busy_timeout = 5000");
    this.migrate();
  }

  /** Links a run to its message; the first link wins (a run lives in one message). */
  link(runId: string, link: MessageLink): void {
    this.db
      .prepare(
        "INSERT INTO run_messages (run_id, channel, ts, thread_ts, linked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id) DO NOTHING",
      )
      .run(runId, link.channel, link.ts, link.threadTs, this.now().toISOString());
  }

  get(runId: string): StoredLink | undefined {
    const row = this.db.prepare("SELECT * FROM run_messages WHERE run_id = ?").get(runId) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  all(): StoredLink[] {
    return (this.db.prepare("SELECT * FROM run_messages ORDER BY linked_at").all() as unknown as Row[]).map(fromRow);
  }

  announced(runId: string, announced: Announced): void {
    this.db
      .prepare(
        "UPDATE run_messages SET announced_approval = ?, announced_status = ?, announced_expired = ? WHERE run_id = ?",
      )
      .run(announced.approval ?? null, announced.status ?? null, announced.expired ?? null, runId);
  }

  close(): void {
    // Our own flag: DatabaseSync#isOpen is newer than the Node versions acr-cmk supports (>= 22.13).
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private migrate(): void {
    // The write lock first, so two processes starting at once do not both migrate.
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const { user_version: version } = this.db.prepare("PRAGMA user_version").get() as { user_version: number };
      for (let next = version + 1; next <= MIGRATIONS.length; next++) {
        this.db.exec(MIGRATIONS[next - 1]!);
        this.db.exec(`PRAGMA user_version = ${next}`);
      }
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }
}
