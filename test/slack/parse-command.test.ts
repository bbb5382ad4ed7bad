// The slash-command text, validated: every subcommand of the README's Slack section, and clear messages for everything else.
import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/slack/parse-command.js";

const ID =
  "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.ContainerRegistry/registries/acrprod01";

describe("parseCommand", () => {
  it("reads every subcommand", () => {
    expect(parseCommand("")).toEqual({ ok: true, command: { kind: "help" } });
    expect(parseCommand("help")).toEqual({ ok: true, command: { kind: "help" } });
    expect(parseCommand("diagnose rg-prod/acrprod01")).toEqual({
      ok: true,
      command: { kind: "diagnose", registry: { ref: { resourceGroup: "rg-prod", name: "acrprod01" } } },
    });
    for (const action of ["recover", "rotate", "revoke", "restore"]) {
      expect(parseCommand(`${action}  rg-prod/acrprod01 `)).toMatchObject({
        ok: true,
        command: { kind: "run", action },
      });
    }
    expect(parseCommand(`RECOVER ${ID}`)).toEqual({
      ok: true,
      command: {
        kind: "run",
        action: "recover",
        registry: {
          ref: { resourceGroup: "rg-prod", name: "acrprod01" },
          subscriptionId: "00000000-0000-0000-0000-000000000001",
        },
      },
    });
    expect(parseCommand("status")).toEqual({ ok: true, command: { kind: "status" } });
    expect(parseCommand("status 20300101-000000-abcdef")).toEqual({
      ok: true,
      command: { kind: "status", runId: "20300101-000000-abcdef" },
    });
    expect(parseCommand("runs")).toEqual({ ok: true, command: { kind: "runs" } });
    expect(parseCommand("abort 20300101-000000-abcdef  wrong   vault &amp; owner paged ")).toEqual({
      ok: true,
      command: { kind: "abort", runId: "20300101-000000-abcdef", reason: "wrong   vault & owner paged" },
    });
  });

  it("keeps triage text whole and undoes Slack's escaping", () => {
    expect(parseCommand("triage  (KeyNotFound) a &lt;b&gt; &amp; c\nline two")).toEqual({
      ok: true,
      command: { kind: "triage", text: "(KeyNotFound) a <b> & c\nline two" },
    });
  });

  it.each([
    ["frobnicate", "Unknown subcommand `frobnicate`"],
    ["recover", "`recover` needs a registry"],
    ["recover rg/acr1 extra", "takes one registry"],
    ["recover rg-prod", "is not <resource-group>/<registry>"],
    ["recover rg-prod/acr", "invalid registry name"],
    ["recover bad!group/acrprod01", "invalid resource group"],
    [
      "diagnose /subscriptions/nope/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acrprod01",
      "invalid",
    ],
    ["status a b", "at most one run id"],
    ["status ../../etc", "Invalid run id"],
    ["runs now", "takes no arguments"],
    ["help me", "takes no arguments"],
    ["triage   ", "needs the Azure error text"],
    ["abort", "needs a run id and a reason"],
    ["abort 20300101-000000-abcdef", "needs a run id and a reason"],
    ["abort ../../etc because", "Invalid run id"],
    ["abort 20300101-000000-abcdef no", "at least 3 characters"],
    [`abort 20300101-000000-abcdef ${"x".repeat(501)}`, "under 500 characters"],
  ])("refuses %j", (text, message) => {
    const parsed = parseCommand(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.message).toContain(message);
  });

  it("refuses text longer than Slack sends and non-strings", () => {
    expect(parseCommand("triage " + "x".repeat(5000)).ok).toBe(false);
    expect(parseCommand(42).ok).toBe(false);
  });
});
