import {
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
  type PipelineRequest,
} from "@azure/core-rest-pipeline";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import {
  createRemoteSandboxAzure,
  createRemoteSandboxHttpClient,
  toSandboxUrl,
} from "../../src/azure/remote-sandbox.js";

const SANDBOX = "https://127.0.0.1:8443";

describe("toSandboxUrl", () => {
  it("keeps Resource Manager paths and queries as they are", () => {
    expect(
      toSandboxUrl("https://management.azure.com/subscriptions/s/resourceGroups/rg?api-version=2025-11-01", SANDBOX),
    ).toBe("https://127.0.0.1:8443/subscriptions/s/resourceGroups/rg?api-version=2025-11-01");
  });

  it("puts a vault's data plane under /vault/<vault> and a registry's under /registry/<registry>", () => {
    expect(toSandboxUrl("https://kv-prod.vault.azure.net/keys/acr-key/?api-version=2025-07-01", SANDBOX)).toBe(
      "https://127.0.0.1:8443/vault/kv-prod/keys/acr-key/?api-version=2025-07-01",
    );
    expect(toSandboxUrl("https://contoso01.azurecr.io/acr/v1/_catalog?n=1", SANDBOX)).toBe(
      "https://127.0.0.1:8443/registry/contoso01/acr/v1/_catalog?n=1",
    );
  });

  it("leaves the sandbox's own URLs (poll locations it handed out) alone", () => {
    const poll = "https://127.0.0.1:8443/subscriptions/s/operationStatuses/op1?api-version=1";
    expect(toSandboxUrl(poll, SANDBOX)).toBe(poll);
  });
});

describe("createRemoteSandboxHttpClient", () => {
  it("forwards to the sandbox with its CA and hands the SDK a response for the URL it asked for", async () => {
    const seen: PipelineRequest[] = [];
    const inner: HttpClient = {
      async sendRequest(request) {
        seen.push(request);
        return { request, status: 200, headers: createHttpHeaders() };
      },
    };
    const client = createRemoteSandboxHttpClient({ url: SANDBOX, ca: "PEM", inner });
    const request = createPipelineRequest({ url: "https://kv-prod.vault.azure.net/keys/acr-key/" });
    const response = await client.sendRequest(request);
    expect(seen[0]?.url).toBe("https://127.0.0.1:8443/vault/kv-prod/keys/acr-key/");
    expect(seen[0]?.tlsSettings?.ca).toBe("PEM");
    expect(response.request).toBe(request);
    expect(request.url).toBe("https://kv-prod.vault.azure.net/keys/acr-key/");
  });
});

describe("createRemoteSandboxAzure", () => {
  const dir = mkdtempSync(join(tmpdir(), "acr-cmk-remote-"));

  it("refuses a missing or non-PEM CA file and a non-https URL with a usage error", () => {
    const subscriptionId = "00000000-1111-2222-3333-444444444444";
    expect(() =>
      createRemoteSandboxAzure({ url: SANDBOX, caCertPath: join(dir, "missing.pem"), subscriptionId }),
    ).toThrow(/cannot read the sandbox CA certificate/);
    const notPem = join(dir, "not.pem");
    writeFileSync(notPem, "hello");
    expect(() => createRemoteSandboxAzure({ url: SANDBOX, caCertPath: notPem, subscriptionId })).toThrow(UsageError);
    expect(() => createRemoteSandboxAzure({ url: "http://127.0.0.1:1", caCertPath: notPem, subscriptionId })).toThrow(
      /must be https/,
    );
  });
});
