// The timeline's reads through the real SDK clients (@azure/arm-monitor, @azure/arm-resourcegraph,
// @azure/monitor-query-logs), answered in-process by the sandbox from the changes it recorded.
import { describe, expect, it } from "vitest";
import { createSandboxAzure } from "../../src/cli/sandbox-azure.js";
import { AzureFailure } from "../../src/azure/types.js";
import { createSandboxHandler } from "../../src/sandbox/handler.js";
import { breakWorld } from "../../src/sandbox/incidents.js";
import { createWorld, DEMO_RESOURCE_GROUP, type ScenarioOptions } from "../../src/sandbox/scenarios.js";
import { memoryStore } from "../../src/sandbox/store.js";

const RG = DEMO_RESOURCE_GROUP;
const HOUR = 3_600_000;

function sandbox(options: ScenarioOptions = {}) {
  const store = memoryStore(createWorld(options));
  const azure = createSandboxAzure({ store });
  const world = store.read();
  const vault = Object.values(world.vaults)[0];
  const registry = Object.values(world.registries)[0];
  if (!vault || !registry) throw new Error("scenario without a vault");
  const window = () => {
    const now = Date.now() + store.read().clock.offsetMs;
    return { from: new Date(now - 24 * HOUR), to: new Date(now + 60_000) };
  };
  const breakAs = (incident: string, actor: string, client: "portal" | "cli" = "cli") =>
    store.update((w, now) => breakWorld(w, incident, now, undefined, { by: { actor, client } }));
  return { store, azure, vault, registry, window, breakAs };
}

describe("Key Vault audit events (Log Analytics)", () => {
  it("a key deleted with --as shows as KeyDelete by that person, and the registry's unwraps fail with 404 from then on", async () => {
    const { azure, vault, window, breakAs } = sandbox();
    breakAs("key-deleted", "alice@contoso.com");
    const { rows: events } = await azure.queryKeyVaultAudit(vault.id, "AzureDiagnostics", window());
    const deletion = events.find((e) => e.operation === "KeyDelete");
    expect(deletion).toMatchObject({ upn: "alice@contoso.com", httpStatus: 200, resultSignature: "OK" });
    expect(deletion?.clientInfo).toMatch(/AZURECLI/);
    const unwrap = events.find((e) => e.operation === "KeyUnwrap");
    expect(unwrap).toMatchObject({ httpStatus: 404, resultDescription: "KeyNotFound", callerIp: "203.0.113.77" });
  });

  it("a workspace that has had no event with a user caller (no identity_claim_upn_s column yet) still answers", async () => {
    const { azure, store, vault, window, breakAs } = sandbox();
    breakAs("key-deleted", "alice@contoso.com");
    // As if only managed identities and service principals had called: AzureDiagnostics never got the UPN column.
    store.update((w) => w.auditEvents?.forEach((e) => delete e.upn));
    const { rows: events, tableMissing } = await azure.queryKeyVaultAudit(vault.id, "AzureDiagnostics", window());
    expect(tableMissing).toBe(false);
    const deletion = events.find((e) => e.operation === "KeyDelete");
    expect(deletion).toMatchObject({ upn: null, httpStatus: 200, resultSignature: "OK" });
    expect(deletion?.clientInfo).toMatch(/AZURECLI/);
    expect(events.find((e) => e.operation === "KeyUnwrap")).toMatchObject({ upn: null, httpStatus: 404 });
  });

  it("a vault with audit logs off has no diagnostic setting and no audit events", async () => {
    const { azure, vault, window, breakAs } = sandbox({ auditLogs: "off" });
    breakAs("key-disabled", "bob@contoso.com");
    expect(await azure.listDiagnosticSettings(vault.id)).toEqual([]);
    expect(await azure.queryKeyVaultAudit(vault.id, "AzureDiagnostics", window())).toEqual({
      table: "AzureDiagnostics",
      rows: [],
      tableMissing: false,
    });
  });

  it("lists the vault's diagnostic setting sending AuditEvent to the workspace", async () => {
    const { azure, vault } = sandbox();
    const [setting] = await azure.listDiagnosticSettings(vault.id);
    expect(setting?.workspaceId).toMatch(/\/Microsoft\.OperationalInsights\/workspaces\/acr-cmk-logs$/);
    expect(setting?.logs).toEqual([{ category: "AuditEvent", enabled: true }]);
  });
});

describe("Resource Manager changes", () => {
  it("a firewall switched on shows in Resource Graph with who, the client and the property paths", async () => {
    const { azure, vault, registry, window, breakAs } = sandbox();
    breakAs("firewall-403", "carol@contoso.com", "portal");
    const changes = await azure.listResourceChanges({ resourceIds: [registry.id], vaultName: vault.name }, window());
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      changedBy: "carol@contoso.com",
      clientType: "Azure Portal",
      operation: "Microsoft.KeyVault/vaults/write",
      resourceId: vault.id,
    });
    expect(changes[0]?.changes["properties.networkAcls.defaultAction"]).toEqual({
      previousValue: "Allow",
      newValue: "Deny",
    });
  });

  it("a deleted vault shows in the Activity Log of its resource group, and not before the window", async () => {
    const { azure, vault, window, breakAs } = sandbox();
    breakAs("vault-deleted", "dave@contoso.com");
    const events = await azure.listActivityLog(RG, window());
    expect(events.map((e) => [e.operation, e.caller, e.resourceId])).toEqual([
      ["Microsoft.KeyVault/vaults/delete", "dave@contoso.com", vault.id],
    ]);
    const later = { from: new Date(window().to.getTime() + HOUR), to: new Date(window().to.getTime() + 2 * HOUR) };
    expect(await azure.listActivityLog(RG, later)).toEqual([]);
  });

  it("a change acr-cmk makes through the SDK is recorded with its request id and the SDK as client", async () => {
    const { azure, vault, window } = sandbox();
    await azure.updateVaultNetworkAcls({ resourceGroup: RG, name: vault.name }, { defaultAction: "Deny" });
    const [event] = await azure.listActivityLog(RG, window());
    expect(event).toMatchObject({
      operation: "Microsoft.KeyVault/vaults/write",
      caller: "sandbox-operator@contoso.com",
    });
    expect(event?.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const [change] = await azure.listResourceChanges({ resourceIds: [], vaultName: vault.name }, window());
    expect(change?.clientType).toBe("Azure SDK");
  });
});

describe("a source the operator may not read", () => {
  it.each([
    ["activity-log", (s: ReturnType<typeof sandbox>) => s.azure.listActivityLog(RG, s.window())],
    [
      "resource-graph",
      (s: ReturnType<typeof sandbox>) => s.azure.listResourceChanges({ resourceIds: [s.registry.id] }, s.window()),
    ],
    [
      "log-analytics",
      (s: ReturnType<typeof sandbox>) => s.azure.queryKeyVaultAudit(s.vault.id, "AZKVAuditLogs", s.window()),
    ],
    ["diagnostic-settings", (s: ReturnType<typeof sandbox>) => s.azure.listDiagnosticSettings(s.vault.id)],
  ] as const)("%s answers 403", async (read, call) => {
    const s = sandbox();
    s.store.update((w) => void (w.settings.deniedReads = [read]));
    const failure = await call(s).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(AzureFailure);
    expect((failure as AzureFailure).details).toMatchObject({ statusCode: 403 });
  });
});

describe("changes made through a served sandbox (the Azure CLI through sandbox serve)", () => {
  it("are recorded with the token's user, the Azure CLI as client and the request id", async () => {
    const { store, azure, vault, window } = sandbox();
    const handler = createSandboxHandler({ store });
    const claims = Buffer.from(JSON.stringify({ upn: "frank@contoso.com" })).toString("base64url");
    const answer = await handler.handle({
      method: "PATCH",
      url: `https://management.azure.com${vault.id}?api-version=2024-11-01`,
      headers: {
        authorization: `Bearer e30.${claims}.`,
        "user-agent": "AZURECLI/2.45.0 (DEB) azsdk-python-core/1.26.0 Python/3.11.2",
        "content-type": "application/json",
      },
      body: JSON.stringify({ properties: { networkAcls: { defaultAction: "Deny", bypass: "None" } } }),
    });
    expect(answer.status).toBe(200);
    const [change] = await azure.listResourceChanges({ resourceIds: [], vaultName: vault.name }, window());
    expect(change).toMatchObject({ changedBy: "frank@contoso.com", clientType: "Azure CLI" });
    const [event] = await azure.listActivityLog(RG, window());
    expect(event?.requestId).toBe(answer.headers["x-ms-request-id"]);
  });
});
