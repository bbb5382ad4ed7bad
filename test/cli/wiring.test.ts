// The CLI's composition root: which Azure a command gets (the sandbox wired under the port, or the cloud), the one
// reading of ACR_CMK_APPROVERS, and the invocation the printed commands start with.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GlobalOptions } from "../../src/cli/context.js";
import { createAzureForCli, invocationOf, localUser, parseApprovers } from "../../src/cli/wiring.js";
import { UsageError } from "../../src/errors.js";
import { createWorld, DEMO_RESOURCE_GROUP } from "../../src/sandbox/scenarios.js";
import { fileStore, initFileStore } from "../../src/sandbox/store.js";

const dir = mkdtempSync(join(tmpdir(), "acr-cmk-wiring-"));
const globals = (overrides: Partial<GlobalOptions>): GlobalOptions => ({
  output: "text",
  color: false,
  verbose: false,
  home: dir,
  ...overrides,
});

describe("createAzureForCli", () => {
  it("sandbox mode: reads the subscription from the state file and serves every command from it", async () => {
    const path = join(dir, "sandbox.json");
    initFileStore(path, createWorld({}));
    const azure = await createAzureForCli(globals({ sandbox: path }), {});
    expect(azure.subscriptionId).toBe(fileStore(path).read().subscriptionId);
    const registry = await azure.getRegistry({ resourceGroup: DEMO_RESOURCE_GROUP, name: "acrcmkdemo" });
    expect(registry.encryption.status).toBe("enabled");
    // A change made through the port is in the file for the next command.
    await azure.updateKey("https://kv-acr-cmk-demo.vault.azure.net/", "acr-cmk", undefined, { enabled: false });
    const again = await createAzureForCli(globals({ sandbox: path }), {});
    expect((await again.getKey("https://kv-acr-cmk-demo.vault.azure.net/", "acr-cmk")).enabled).toBe(false);
  });

  it("sandbox mode without a state file, or with a corrupt one: usage error that says to run sandbox init", async () => {
    await expect(createAzureForCli(globals({ sandbox: join(dir, "missing.json") }), {})).rejects.toThrow(
      /sandbox init/,
    );
    const corrupt = join(dir, "corrupt.json");
    writeFileSync(corrupt, "{ not json");
    await expect(createAzureForCli(globals({ sandbox: corrupt }), {})).rejects.toThrow(UsageError);
  });

  it("cloud mode without a subscription: usage error (exit 2) that names both ways to give one", async () => {
    await expect(createAzureForCli(globals({}), {})).rejects.toThrow(
      "no subscription: pass --subscription <id> or set AZURE_SUBSCRIPTION_ID (or run `acr-cmk` on a terminal to choose one)",
    );
    await expect(createAzureForCli(globals({ subscription: "prod" }), {})).rejects.toThrow(UsageError);
  });
});

describe("parseApprovers", () => {
  it("reads ACR_CMK_APPROVERS as comma-separated names, blanks and spaces ignored", () => {
    expect(parseApprovers(undefined)).toEqual([]);
    expect(parseApprovers("")).toEqual([]);
    expect(parseApprovers(" , ,")).toEqual([]);
    expect(parseApprovers("U012ABCDEF, alice ,,bob")).toEqual(["U012ABCDEF", "alice", "bob"]);
  });
});

describe("invocationOf and localUser", () => {
  it("names the sandbox file, or in Azure the subscription given or chosen in the TUI, in the commands acr-cmk prints", () => {
    expect(invocationOf({ globals: globals({}) })).toBe("acr-cmk");
    expect(invocationOf({ globals: globals({ sandbox: "/tmp/s.json" }) }, "ignored")).toBe(
      "acr-cmk --sandbox /tmp/s.json",
    );
    expect(invocationOf({ globals: globals({}) }, "00000000-1111-2222-3333-444444444444")).toBe(
      "acr-cmk --subscription 00000000-1111-2222-3333-444444444444",
    );
    // A --subscription given (or taken from a resource id) is named too; the TUI's choice wins over it.
    expect(invocationOf({ globals: globals({ subscription: "prod-sub" }) })).toBe("acr-cmk --subscription prod-sub");
    expect(invocationOf({ globals: globals({ subscription: "prod-sub" }) }, "chosen")).toBe(
      "acr-cmk --subscription chosen",
    );
  });

  it("takes --requester / --as when given, the OS user otherwise", () => {
    expect(localUser({ env: {} }, "carol")).toBe("carol");
    expect(localUser({ env: { USER: "fallback" } })).toMatch(/\S/);
  });
});
