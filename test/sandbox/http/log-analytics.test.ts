// Log Analytics as the sandbox answers it: Key Vault's audit events in AzureDiagnostics or in the resource-specific
// AZKVAuditLogs table, as the vault's diagnostic setting chose when each event was written; a table nothing was written
// to yet, an unknown column and any other table fail as Log Analytics fails them.
import { describe, expect, it } from "vitest";
import { createSandboxHandler } from "../../../src/sandbox/handler.js";
import { breakWorld } from "../../../src/sandbox/incidents.js";
import { createWorld, type ScenarioOptions } from "../../../src/sandbox/scenarios.js";
import { memoryStore } from "../../../src/sandbox/store.js";

interface QueryAnswer {
  tables: Array<{ columns: Array<{ name: string; type: string }>; rows: unknown[][] }>;
  error?: { code: string; message: string; innererror?: { code: string; message?: string } };
}

const TOKEN = `Bearer e30.${Buffer.from(JSON.stringify({ upn: "ops@contoso.com" })).toString("base64url")}.`;

function sandbox(options: ScenarioOptions = {}, incident = "key-deleted") {
  const store = memoryStore(createWorld(options));
  const handler = createSandboxHandler({ store });
  const vault = Object.values(store.read().vaults)[0];
  if (!vault) throw new Error("scenario without a vault");
  const query = async (text: string, scope = vault.id) => {
    const answer = await handler.handle({
      method: "POST",
      url: `https://api.loganalytics.io/v1${scope}/query`,
      headers: { authorization: TOKEN, "content-type": "application/json" },
      body: JSON.stringify({ query: text, timespan: "P1D" }),
    });
    return { status: answer.status, body: JSON.parse(String(answer.body)) as QueryAnswer };
  };
  store.update((w, now) =>
    breakWorld(w, incident, now, undefined, { by: { actor: "alice@contoso.com", client: "cli" } }),
  );
  return { store, query, vault };
}

describe("Key Vault audit events in Log Analytics", () => {
  it("audit logs on: the events are in AzureDiagnostics, and AZKVAuditLogs does not exist in the workspace", async () => {
    const { query } = sandbox({ auditLogs: "on" });
    const shared = await query('AzureDiagnostics | where OperationName == "KeyDelete" | project identity_claim_upn_s');
    expect(shared.status).toBe(200);
    expect(shared.body.tables[0]?.rows).toEqual([["alice@contoso.com"]]);
    const dedicated = await query("AZKVAuditLogs | take 1");
    expect(dedicated.status).toBe(400);
    expect(dedicated.body.error).toMatchObject({
      code: "BadArgumentError",
      innererror: {
        code: "SEM0100",
        message: "'take' operator: Failed to resolve table or column expression named 'AZKVAuditLogs'",
      },
    });
  });

  it("audit logs dedicated: the events are in AZKVAuditLogs, typed, with the caller in the dynamic Identity column", async () => {
    const { query, vault } = sandbox({ auditLogs: "dedicated" });
    const answer = await query(
      'AZKVAuditLogs | where OperationName in ("KeyDelete", "KeyUnwrap") | project OperationName, HttpStatusCode, Identity, ClientInfo | order by OperationName asc',
    );
    expect(answer.status).toBe(200);
    const [table] = answer.body.tables;
    expect(table?.columns).toEqual([
      { name: "OperationName", type: "string" },
      { name: "HttpStatusCode", type: "int" },
      { name: "Identity", type: "dynamic" },
      { name: "ClientInfo", type: "string" },
    ]);
    const [deletion, unwrap] = table?.rows ?? [];
    expect(deletion?.slice(0, 2)).toEqual(["KeyDelete", 200]);
    // Dynamic cells travel as JSON text, as the query API sends them.
    expect(JSON.parse(String(deletion?.[2]))).toEqual({
      claim: { "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn": "alice@contoso.com" },
    });
    expect(deletion?.[3]).toMatch(/^AZURECLI\//);
    expect(unwrap?.[1]).toBe(404);
    expect(Object.keys(JSON.parse(String(unwrap?.[2])).claim)).toContain(
      "http://schemas.microsoft.com/identity/claims/objectidentifier",
    );
    const shared = await query("AzureDiagnostics | take 1", vault.id);
    expect(shared.body.error?.innererror?.message).toMatch(/named 'AzureDiagnostics'/);
  });

  it("a column the table does not have fails as Log Analytics fails it, naming the column", async () => {
    const { query } = sandbox({ auditLogs: "dedicated" });
    const answer = await query("AZKVAuditLogs | project httpStatusCode_d");
    expect(answer.status).toBe(400);
    expect(answer.body.error?.innererror).toEqual({
      code: "SEM0100",
      message: "'project' operator: Failed to resolve scalar expression named 'httpStatusCode_d'",
    });
  });

  it("AzureDiagnostics has a Key Vault column only once an event with it arrived; column_ifexists() answers either way", async () => {
    const { query, store } = sandbox();
    store.update((w) => w.auditEvents?.forEach((e) => delete e.upn));
    const plain = await query("AzureDiagnostics | project identity_claim_upn_s");
    expect(plain.body.error?.innererror).toEqual({
      code: "SEM0100",
      message: "'project' operator: Failed to resolve scalar expression named 'identity_claim_upn_s'",
    });
    const guarded = await query(
      'AzureDiagnostics | where OperationName == "KeyDelete" | project OperationName, identity_claim_upn_s = column_ifexists("identity_claim_upn_s", ""), httpStatusCode_d = column_ifexists("httpStatusCode_d", real(null))',
    );
    expect(guarded.status).toBe(200);
    const [table] = guarded.body.tables;
    expect(table?.columns.map((c) => c.name)).toEqual(["OperationName", "identity_claim_upn_s", "httpStatusCode_d"]);
    expect(table?.rows[0]).toEqual(["KeyDelete", "", 200]);
    // A project-less query lists only the columns the table has.
    const all = await query("AzureDiagnostics | take 1");
    expect(all.body.tables[0]?.columns.map((c) => c.name)).not.toContain("identity_claim_upn_s");
    expect(all.body.tables[0]?.columns.map((c) => c.name)).toContain("identity_claim_appid_g");
  });

  it("any other table is answered as not simulated", async () => {
    const { query } = sandbox();
    const answer = await query("AzureActivity | take 1");
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(
      /does not simulate the table 'AzureActivity'.*AzureDiagnostics.*AZKVAuditLogs/,
    );
  });

  it("events written before a switch to Dedicated stay in AzureDiagnostics; later ones go to AZKVAuditLogs", async () => {
    const { store, query } = sandbox({ auditLogs: "on" }, "key-disabled");
    store.update((w) => {
      for (const v of Object.values(w.vaults))
        for (const s of v.diagnosticSettings ?? []) s.logAnalyticsDestinationType = "Dedicated";
    });
    store.update((w, now) =>
      breakWorld(w, "key-deleted", now, undefined, { by: { actor: "bob@contoso.com", client: "portal" } }),
    );
    const operations = async (table: string) =>
      (await query(`${table} | where OperationName in ("KeyUpdate", "KeyDelete") | project OperationName`)).body
        .tables[0]?.rows;
    expect(await operations("AzureDiagnostics")).toEqual([["KeyUpdate"]]);
    expect(await operations("AZKVAuditLogs")).toEqual([["KeyDelete"]]);
  });
});
