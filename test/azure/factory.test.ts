import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GlobalOptions } from "../../src/cli/context.js";
import { UsageError } from "../../src/errors.js";
import { createCmkAzure } from "../../src/azure/cmk-azure.js";
import { createAzureForCli } from "../../src/azure/factory.js";
import { AzureFailure } from "../../src/azure/types.js";
import { createWorld, DEMO_RESOURCE_GROUP } from "../../src/sandbox/scenarios.js";
import { fileStore, initFileStore } from "../../src/sandbox/store.js";

const dir = mkdtempSync(join(tmpdir(), "acr-cmk-factory-"));
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

describe("credential failures", () => {
  it("surface at the first call as AzureFailure kind auth", async () => {
    const azure = createCmkAzure({
      subscriptionId: "00000000-1111-2222-3333-444444444444",
      credential: {
        getToken: () =>
          Promise.reject(
            Object.assign(new Error("DefaultAzureCredential failed to retrieve a token"), {
              name: "CredentialUnavailableError",
            }),
          ),
      },
      retryOptions: { maxRetries: 0 },
      httpClient: { sendRequest: () => Promise.reject(new Error("no request may be sent without a token")) },
    });
    const failure = await azure.getRegistry({ resourceGroup: "rg", name: "contoso01" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AzureFailure);
    expect((failure as AzureFailure).kind).toBe("auth");
  });

  it("refuses a subscription id that is not a GUID", () => {
    expect(() =>
      createCmkAzure({ subscriptionId: "prod", credential: { getToken: () => Promise.resolve(null) } }),
    ).toThrow(/subscription id must be a GUID/);
  });
});
