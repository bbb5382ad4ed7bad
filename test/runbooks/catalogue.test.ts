// The runbook catalogue: one list every room reads, so its derived lists and words must agree with it.
import { describe, expect, it } from "vitest";
import {
  RECOVERY_ORDER,
  RUNBOOK_CATALOGUE,
  RUNBOOK_IDS,
  SHORTCUT_RUNBOOKS,
  SLACK_RUN_SUBCOMMANDS,
  cliRunCommand,
  isRunbookId,
  isShortcutRunbook,
  runbookTitle,
  runbooksTaking,
  slackRunSubcommand,
} from "../../src/runbooks/catalogue.js";

describe("runbook catalogue", () => {
  it("lists each runbook once, with a title", () => {
    expect(new Set(RUNBOOK_IDS).size).toBe(RUNBOOK_CATALOGUE.length);
    for (const entry of RUNBOOK_CATALOGUE) expect(runbookTitle(entry.id)).toBe(entry.title);
    expect(RUNBOOK_IDS).toEqual(["key-deleted", "identity-removed", "firewall-403", "revoke", "restore", "rotate"]);
  });

  it("orders a recovery key and vault first, then identity, access, network", () => {
    expect(RECOVERY_ORDER).toEqual(["key-deleted", "identity-removed", "restore", "firewall-403", "rotate"]);
    expect(new Set(RECOVERY_ORDER).size).toBe(RECOVERY_ORDER.length);
    expect(RECOVERY_ORDER).not.toContain("revoke");
  });

  it("says which runbooks take a container group: those that repair the key, every one takes a registry", () => {
    expect(runbooksTaking("container-group")).toEqual(["key-deleted", "restore"]);
    expect(runbooksTaking("registry")).toEqual(RUNBOOK_IDS);
  });

  it("knows its ids and nothing else", () => {
    for (const id of RUNBOOK_IDS) expect(isRunbookId(id)).toBe(true);
    for (const word of ["recover", "", "KEY-DELETED", "key-deleted ", "toString", "__proto__"])
      expect(isRunbookId(word), word).toBe(false);
  });

  it("starts the deliberate runbooks by their own command and the others with `run <id>`", () => {
    expect(SHORTCUT_RUNBOOKS).toEqual(["rotate", "revoke", "restore"]);
    expect(cliRunCommand("rotate")).toBe("rotate");
    expect(cliRunCommand("restore")).toBe("restore");
    expect(cliRunCommand("key-deleted")).toBe("run key-deleted");
    expect(cliRunCommand("firewall-403")).toBe("run firewall-403");
    expect(isShortcutRunbook("identity-removed")).toBe(false);
  });

  it("reaches every runbook from Slack: its own subcommand, else recover", () => {
    expect(SLACK_RUN_SUBCOMMANDS).toEqual(["recover", "rotate", "revoke", "restore"]);
    expect(slackRunSubcommand("revoke")).toBe("revoke");
    expect(slackRunSubcommand("key-deleted")).toBe("recover");
    expect(slackRunSubcommand("identity-removed")).toBe("recover");
    expect(slackRunSubcommand(null)).toBe("recover");
    for (const id of RUNBOOK_IDS) expect(SLACK_RUN_SUBCOMMANDS).toContain(slackRunSubcommand(id));
  });
});
