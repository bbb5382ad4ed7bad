// Talks to a running `acr-cmk sandbox serve` with the real SDK clients: requests keep their real Azure URLs all the
// way through the pipeline (bearer auth over https, Key Vault's challenge and resource check, the registry's token
// exchange), and only this transport rewrites them onto the sandbox's address, trusting its self-signed CA.
import { readFileSync } from "node:fs";
import {
  createDefaultHttpClient,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { z } from "zod";
import { UsageError } from "../errors.js";
import { createCmkAzure, type ResponseRecord } from "./cmk-azure.js";
import { createSandboxCredential } from "./credentials.js";
import { VAULT_DNS_SUFFIXES } from "./ids.js";
import { validate } from "./port/validation.js";
import type { CmkAzure } from "./types.js";

const ARM_HOSTS = new Set(["management.azure.com", "management.chinacloudapi.cn", "management.usgovcloudapi.net"]);
const REGISTRY_SUFFIXES = ["azurecr.io", "azurecr.cn", "azurecr.us"];
/** Log Analytics' query API, global and regional (https://learn.microsoft.com/en-us/azure/azure-monitor/logs/api/access-api). */
const LOG_ANALYTICS_HOST = /^(?:[a-z0-9-]+\.)?api\.loganalytics\.(?:io|azure\.com)$/;

/**
 * Where a real Azure URL goes on the sandbox server (as `sandbox serve` answers them): Resource Manager paths as they are,
 * `<vault>.vault.azure.net` under `/vault/<vault>`, `<registry>.azurecr.io` under `/registry/<registry>`, Log Analytics'
 * query API under `/loganalytics`.
 * Any other host (the sandbox's own, in a poll URL it handed out) is left alone.
 */
export function toSandboxUrl(realUrl: string, sandboxUrl: string): string {
  const url = new URL(realUrl);
  const base = new URL(sandboxUrl);
  const host = url.hostname.toLowerCase();
  let prefix: string | undefined;
  if (ARM_HOSTS.has(host)) {
    prefix = "";
  } else if (LOG_ANALYTICS_HOST.test(host)) {
    prefix = "/loganalytics";
  } else {
    const vaultSuffix = VAULT_DNS_SUFFIXES.find((suffix) => host.endsWith(`.${suffix}`));
    const registrySuffix = REGISTRY_SUFFIXES.find((suffix) => host.endsWith(`.${suffix}`));
    if (vaultSuffix) prefix = `/vault/${host.slice(0, -vaultSuffix.length - 1)}`;
    else if (registrySuffix) prefix = `/registry/${host.slice(0, -registrySuffix.length - 1)}`;
  }
  if (prefix === undefined) return realUrl;
  const basePath = base.pathname.replace(/\/+$/, "");
  return `${base.protocol}//${base.host}${basePath}${prefix}${url.pathname}${url.search}`;
}

export interface RemoteSandboxTransportOptions {
  /** The `url` that `sandbox serve` printed, e.g. https://127.0.0.1:8443. */
  url: string;
  /** PEM of the CA that signed the server's certificate (`caCertPath` from `sandbox serve`). */
  ca: string;
  /** The transport underneath; the SDK's default Node client unless a test swaps it. */
  inner?: HttpClient;
}

export function createRemoteSandboxHttpClient(options: RemoteSandboxTransportOptions): HttpClient {
  const inner = options.inner ?? createDefaultHttpClient();
  // One settings object for every request: the Node client caches its https.Agent by this object's identity.
  const tlsSettings = { ca: options.ca };
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const realUrl = request.url;
      const forwarded: PipelineRequest = Object.assign(
        Object.create(Object.getPrototypeOf(request) as object),
        request,
        {
          url: toSandboxUrl(realUrl, options.url),
          tlsSettings,
        },
      );
      const response = await inner.sendRequest(forwarded);
      // The SDK sees the response of the request it made, with the real URL (pollers and paging read it).
      return { ...response, request };
    },
  };
}

const remoteOptionsSchema = z.object({
  url: z.url({ protocol: /^https$/, error: "the sandbox URL must be https://…" }),
  caCertPath: z.string().min(1),
  subscriptionId: z.string().min(1),
});

export interface RemoteSandboxAzureOptions {
  url: string;
  caCertPath: string;
  subscriptionId: string;
  onResponse?: (record: ResponseRecord) => void;
}

/** A CmkAzure whose SDK clients talk to a running `sandbox serve` over HTTPS. */
export function createRemoteSandboxAzure(options: RemoteSandboxAzureOptions): CmkAzure {
  const parsed = validate(remoteOptionsSchema, options, "remote sandbox options");
  let ca: string;
  try {
    ca = readFileSync(parsed.caCertPath, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read the sandbox CA certificate ${parsed.caCertPath}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  if (!ca.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UsageError(`${parsed.caCertPath} is not a PEM certificate (use the caCertPath printed by sandbox serve)`);
  }
  return createCmkAzure({
    subscriptionId: parsed.subscriptionId,
    place: { kind: "sandbox", url: parsed.url },
    credential: createSandboxCredential(),
    httpClient: createRemoteSandboxHttpClient({ url: parsed.url, ca }),
    updateIntervalInMs: 0,
    // Faults the sandbox injects (429, 503) are retried as in the cloud, but quickly.
    retryOptions: { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 100 },
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
  });
}
