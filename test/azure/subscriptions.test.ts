// listSubscriptions through the real SubscriptionClient over a scripted transport (paging, odd entries, failures),
// and the subscription directory over the sandbox (no subscription id needed).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createSandboxCredential } from "../../src/azure/credentials.js";
import { createSubscriptionDirectory } from "../../src/cli/wiring.js";
import { listSubscriptions } from "../../src/azure/subscriptions.js";
import { UsageError } from "../../src/errors.js";
import { createWorld, DEMO_RESOURCE_GROUP } from "../../src/sandbox/scenarios.js";
import { initFileStore } from "../../src/sandbox/store.js";
import { failureOf, scriptedClient, SUB, TENANT, type Route } from "./scripted-http.js";

const OTHER = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

const subscription = (subscriptionId: string, displayName: string, state = "Enabled") => ({
  id: `/subscriptions/${subscriptionId}`,
  subscriptionId,
  tenantId: TENANT,
  displayName,
  state,
  authorizationSource: "RoleBased",
  subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "x", spendingLimit: "Off" },
});

const list = (routes: Route[]) => {
  const { client, sent } = scriptedClient(routes);
  return {
    sent,
    result: listSubscriptions(createSandboxCredential(), { httpClient: client, retryOptions: { maxRetries: 0 } }),
  };
};

describe("listSubscriptions", () => {
  it("follows nextLink across pages and keeps name, tenant and state", async () => {
    const { result, sent } = list([
      (request) =>
        request.url.includes("page=2")
          ? { status: 200, body: { value: [subscription(OTHER, "Contoso Dev", "Disabled")] } }
          : undefined,
      (request) =>
        new URL(request.url).pathname === "/subscriptions"
          ? {
              status: 200,
              body: {
                value: [subscription(SUB, "Contoso Prod")],
                nextLink: "https://management.azure.com/subscriptions?api-version=2022-12-01&page=2",
              },
            }
          : undefined,
    ]);
    expect(await result).toEqual([
      {
        id: `/subscriptions/${SUB}`,
        subscriptionId: SUB,
        displayName: "Contoso Prod",
        tenantId: TENANT,
        state: "Enabled",
      },
      {
        id: `/subscriptions/${OTHER}`,
        subscriptionId: OTHER,
        displayName: "Contoso Dev",
        tenantId: TENANT,
        state: "Disabled",
      },
    ]);
    expect(sent.map((s) => [s.method, new URL(s.url).pathname])).toEqual([
      ["GET", "/subscriptions"],
      ["GET", "/subscriptions"],
    ]);
    expect(sent[0]?.url).toContain("api-version=2022-12-01");
  });

  it("drops entries without a subscription id, names a nameless one by its id, and reads a missing state as Unknown", async () => {
    const { result } = list([
      () => ({
        status: 200,
        body: { value: [{ displayName: "no id" }, { subscriptionId: SUB }, { subscriptionId: "not-a-guid" }] },
      }),
    ]);
    expect(await result).toEqual([
      { id: `/subscriptions/${SUB}`, subscriptionId: SUB, displayName: SUB, state: "Unknown" },
    ]);
  });

  it("maps a 401 to an AzureFailure of kind auth, in the service's words", async () => {
    const { result } = list([
      () => ({
        status: 401,
        body: { error: { code: "InvalidAuthenticationToken", message: "The access token is invalid." } },
      }),
    ]);
    const failure = await failureOf(result);
    expect(failure.kind).toBe("auth");
    expect(failure.message).toBe("list subscriptions: The access token is invalid.");
  });

  it("maps a credential that cannot sign in to kind auth, before any request is sent", async () => {
    const { client, sent } = scriptedClient([]);
    const credential = {
      getToken: () =>
        Promise.reject(
          Object.assign(new Error("Please run 'az login' to set up an account."), {
            name: "CredentialUnavailableError",
          }),
        ),
    };
    const failure = await failureOf(
      listSubscriptions(credential, { httpClient: client, retryOptions: { maxRetries: 0 } }),
    );
    expect(failure.kind).toBe("auth");
    expect(failure.message).toMatch(/^list subscriptions: could not get an Azure token: Please run 'az login'/);
    expect(sent).toEqual([]);
  });
});

describe("createSubscriptionDirectory (sandbox)", () => {
  const dir = mkdtempSync(join(tmpdir(), "acr-cmk-directory-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let files = 0;
  const stateFile = () => {
    const path = join(dir, `sandbox-${(files += 1)}.json`);
    initFileStore(path, createWorld({}));
    return path;
  };

  it("lists the world's one subscription, then builds the port for it", async () => {
    const directory = await createSubscriptionDirectory({ sandbox: stateFile() }, {});
    const [only, ...rest] = await directory.listSubscriptions();
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ displayName: "acr-cmk sandbox", state: "Enabled" });
    const azure = await directory.azureFor(only!.subscriptionId);
    expect(azure.subscriptionId).toBe(only!.subscriptionId);
    expect((await azure.listRegistries()).map((r) => r.resourceGroup)).toEqual([DEMO_RESOURCE_GROUP]);
  });

  it("lists every subscription of a fleet world, and builds the port for any of them (its own registries)", async () => {
    const path = join(dir, "fleet.json");
    initFileStore(path, createWorld({ registries: 4, subscriptions: 2, keys: 2 }));
    const directory = await createSubscriptionDirectory({ sandbox: path }, {});
    const listed = await directory.listSubscriptions();
    expect(listed).toHaveLength(2);
    const second = listed.find((s) => s.displayName === "acr-cmk sandbox 2")!;
    const azure = await directory.azureFor(second.subscriptionId);
    expect(azure.subscriptionId).toBe(second.subscriptionId);
    const ids = (await azure.listRegistries()).map((r) => r.id.toLowerCase());
    expect(ids).toHaveLength(2);
    expect(ids.every((id) => id.startsWith(`/subscriptions/${second.subscriptionId.toLowerCase()}/`))).toBe(true);
  });

  it("refuses a subscription that is not the sandbox's, and a missing state file, as usage errors", async () => {
    const directory = await createSubscriptionDirectory({ sandbox: stateFile() }, {});
    await expect(directory.azureFor(OTHER)).rejects.toThrow(UsageError);
    await expect(
      createSubscriptionDirectory({ sandbox: join(tmpdir(), "acr-cmk-none", "x.json") }, {}),
    ).rejects.toThrow(/sandbox init/);
  });
});

describe("createSubscriptionDirectory (cloud)", () => {
  it("needs no subscription to open, and refuses a chosen one that is not a GUID", async () => {
    const directory = await createSubscriptionDirectory({}, {});
    await expect(directory.azureFor("prod")).rejects.toThrow(UsageError);
    expect((await directory.azureFor(SUB)).subscriptionId).toBe(SUB);
  });
});
