// The checker that validates every sandbox response of the suite against the vendored REST API specs: it must catch
// what it is there to catch, and name the operation and the JSON path when it does.
import { describe, expect, it } from "vitest";
import type { LoggedResponse } from "../../../src/sandbox/response-log.js";
import { SPEC_FILES } from "../../fixtures/spec-check/specs.js";
import { SpecChecker } from "../../fixtures/spec-check/validate.js";

const checker = new SpecChecker();
const SUB = "/subscriptions/00000000-0000-0000-0000-000000000001";
const REG = `${SUB}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/myregistry`;

function arm(method: string, path: string, status: number, body?: unknown, apiVersion = "2025-11-01"): LoggedResponse {
  return {
    service: "arm",
    method,
    url: `https://management.azure.com${path}?api-version=${apiVersion}`,
    path,
    status,
    headers: {},
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}

const registry = {
  id: REG,
  name: "myregistry",
  type: "Microsoft.ContainerRegistry/registries",
  location: "westus",
  sku: { name: "Premium", tier: "Premium" },
  identity: { type: "userAssigned" },
  properties: { provisioningState: "Succeeded", encryption: { status: "disabled" } },
};

describe("the spec checker", () => {
  it("resolves every response schema of the vendored files, except the one $ref the source leaves dangling", () => {
    expect(checker.dangling).toEqual([
      "specification/resources/resource-manager/Microsoft.Resources/stable/2022-12-01/subscriptions.json: ../../../../../common-types/resource-management/v1/types.json#/definitions/ErrorResponse",
    ]);
    const files = new Set(checker.operations.map((o) => o.file.path));
    expect([...files].sort()).toEqual(SPEC_FILES.map((f) => f.path).sort());
  });

  it("passes a body the spec allows (enums compared without case, as Azure's clients do)", () => {
    expect(checker.check([arm("GET", REG, 200, registry)]).failures).toEqual([]);
  });

  it("names the operation and the JSON path of a missing required property and of a value outside an enum", () => {
    const { sku: _sku, ...noSku } = registry;
    const badEnum = { ...registry, properties: { encryption: { status: "on" } } };
    const report = checker.check([arm("GET", REG, 200, noSku), arm("PATCH", REG, 200, badEnum)]);
    expect(report.failures.map((f) => [f.operation, f.message])).toEqual([
      ["Registries_Get", "/ must have required property 'sku'"],
      ["Registries_Update", expect.stringContaining("/properties/encryption/status must be one of")],
    ]);
  });

  it("fails a status code the operation does not declare, and a wrong type", () => {
    const report = checker.check([
      arm("GET", REG, 204),
      arm("GET", REG, 200, { ...registry, properties: { adminUserEnabled: "no" } }),
    ]);
    expect(report.failures.map((f) => f.message)).toEqual([
      "status 204 is not declared (declared: 200, default)",
      "/properties/adminUserEnabled must be boolean",
    ]);
  });

  it("fails a route the spec lacks when the sandbox serves it, not when it refuses it", () => {
    const replications = `${REG}/replications`;
    expect(checker.check([arm("GET", replications, 200, { value: [] })]).failures).toMatchObject([
      { operation: "(none)", message: "no operation of the vendored spec matches this request" },
    ]);
    expect(
      checker.check([arm("GET", replications, 404, { error: { code: "NotFound", message: "x" } })]).failures,
    ).toEqual([]);
  });

  it("leaves requests at other api-versions alone and validates the status monitor of a long-running operation", () => {
    const monitor = `${REG}/operationStatuses/registries-1`;
    const report = checker.check([
      arm("GET", REG, 200, { not: "a registry" }, "2021-08-01-preview"),
      arm("GET", monitor, 200, { status: "Succeeded" }),
      arm("GET", monitor, 200, { state: "Succeeded" }),
    ]);
    expect(report.skipped).toBe(1);
    expect(report.failures.map((f) => [f.operation, f.message])).toEqual([
      ["(status monitor) Azure-AsyncOperation", "/ must have required property 'status'"],
    ]);
  });

  it("reads null as absent for optional properties, but not for required ones", () => {
    const path = `${SUB}/providers/Microsoft.Authorization/roleAssignments/0f8fad5b-d9cb-469f-a165-70867728950e`;
    const assignment = (principalId: string | null) => ({
      id: path,
      properties: { roleDefinitionId: "/x", principalId, condition: null, description: null },
    });
    const ok = checker.check([arm("GET", path, 200, assignment("p"), "2022-04-01")]);
    const bad = checker.check([arm("GET", path, 200, assignment(null), "2022-04-01")]);
    expect(ok.failures).toEqual([]);
    expect(bad.failures.map((f) => [f.operation, f.message])).toEqual([
      ["RoleAssignments_Get", "/properties must have required property 'principalId'"],
    ]);
  });

  it("matches the data plane's latest-version URL (/keys/{name}/) to GetKey", () => {
    const entry: LoggedResponse = {
      service: "keyvault",
      method: "GET",
      url: "https://kv.vault.azure.net/keys/k/?api-version=2025-07-01",
      path: "/keys/k/",
      status: 200,
      headers: {},
      body: JSON.stringify({ key: { kid: "https://kv.vault.azure.net/keys/k/0123", kty: "RSA" }, attributes: {} }),
    };
    const found = checker.match(entry);
    expect(found.kind === "operation" ? found.operation.operationId : found.kind).toBe("GetKey");
    expect(checker.check([{ ...entry, body: JSON.stringify({ key: { kty: "AES" } }) }]).failures[0]?.message).toContain(
      "/key/kty must be one of",
    );
  });
});

describe("the vendored specs and recordings", () => {
  it("name each file's source path and commit, at the api-version of its path", async () => {
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { SPECS_ROOT, COMMON_TYPES, readSpec } = await import("../../fixtures/spec-check/specs.js");
    const manifest = JSON.parse(readFileSync(join(SPECS_ROOT, "manifest.json"), "utf8")) as {
      files: Array<{ path: string; commit: string }>;
    };
    expect(manifest.files.map((f) => f.path).sort()).toEqual(
      [...SPEC_FILES.map((f) => f.path), ...COMMON_TYPES].sort(),
    );
    for (const file of manifest.files) expect(file.commit).toMatch(/^[0-9a-f]{40}$/);
    for (const file of SPEC_FILES) {
      expect(file.path).toContain(`/${file.apiVersion}/`);
      expect((readSpec(file.path).info as { version: string }).version).toBe(file.apiVersion);
    }
  });
});
