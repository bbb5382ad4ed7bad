// The sandbox's HTTPS proxy, seen from a proxy-aware client: which hosts it tunnels, what it refuses and how, the
// certificates it presents, and that a misbehaving client costs only its own connection.
import { readFileSync } from "node:fs";
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
} from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { breakWorld } from "../../../src/sandbox/incidents.js";
import { startSandboxProxy, type ProxiedRequest, type SandboxProxy } from "../../../src/sandbox/proxy/server.js";
import { createWorld } from "../../../src/sandbox/scenarios.js";
import { memoryStore, type WorldStore } from "../../../src/sandbox/store.js";
import { connectVia, fetchVia, jwtParts, rawExchange, tlsOver } from "./client.js";
import { until } from "../../fixtures/until.js";

describe("sandbox serve --proxy (startSandboxProxy)", () => {
  let proxy: SandboxProxy;
  let store: WorldStore;
  let ca: string;
  const seen: ProxiedRequest[] = [];
  const logged: string[] = [];

  beforeAll(async () => {
    store = memoryStore(createWorld());
    proxy = await startSandboxProxy({ store, log: (line) => logged.push(line), onRequest: (r) => seen.push(r) });
    ca = readFileSync(proxy.caCertPath, "utf8");
  });
  afterAll(async () => {
    await proxy?.close();
  });

  const world = () => store.read();
  const registryPath = () => {
    const registry = Object.values(world().registries)[0]!;
    return `${registry.id}?api-version=2025-11-01`;
  };

  it("says where it listens and which world it serves", () => {
    expect(proxy.proxyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(proxy.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(proxy.tenantId).toBe(world().tenantId);
    expect(proxy.subscriptionId).toBe(world().subscriptionId);
  });

  it("tunnels management.azure.com to the sandbox, over a certificate that chains to its CA", async () => {
    const answer = await fetchVia(proxy.proxyUrl, ca, `https://management.azure.com${registryPath()}`, {
      headers: { authorization: "Bearer x" },
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ type: "Microsoft.ContainerRegistry/registries" });
    expect(seen.at(-1)).toMatchObject({ host: "management.azure.com", method: "GET", status: 200 });
  });

  it("issues per-host leaf certificates with SAN, serverAuth, SKI and AKI, signed by a CA with SKI and AKI", async () => {
    const caCert = new X509Certificate(ca);
    expect(caCert.getExtension(BasicConstraintsExtension)?.ca).toBe(true);
    const caSki = caCert.getExtension(SubjectKeyIdentifierExtension)?.keyId;
    expect(caSki).toMatch(/^[0-9a-f]{40}$/);
    expect(caCert.getExtension(AuthorityKeyIdentifierExtension)?.keyId).toBe(caSki);

    const vaultHost = `${Object.values(world().vaults)[0]!.name}.vault.azure.net`;
    const tunnel = await connectVia(proxy.proxyUrl, `${vaultHost}:443`);
    if (!("socket" in tunnel)) throw new Error("CONNECT refused");
    const tls = await tlsOver(tunnel.socket, vaultHost, ca);
    const presented = tls.getPeerCertificate(true);
    tls.destroy();
    const leaf = new X509Certificate(presented.raw);
    expect(leaf.subject).toContain(`CN=${vaultHost}`);
    expect(leaf.getExtension(SubjectAlternativeNameExtension)?.names.toJSON()).toEqual([
      { type: "dns", value: vaultHost },
    ]);
    expect(leaf.getExtension(ExtendedKeyUsageExtension)?.usages).toContain("1.3.6.1.5.5.7.3.1"); // serverAuth
    expect(leaf.getExtension(SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);
    expect(leaf.getExtension(AuthorityKeyIdentifierExtension)?.keyId).toBe(caSki);
    expect(leaf.getExtension(BasicConstraintsExtension)?.ca).toBe(false);
    await expect(leaf.verify({ publicKey: caCert.publicKey })).resolves.toBe(true);
  });

  it("refuses every other host with a 403 that says it is not simulated, and forwards nothing", async () => {
    for (const host of ["example.com:443", "graph.microsoft.com:443", "management.azure.com.evil.test:443"]) {
      const answer = await connectVia(proxy.proxyUrl, host);
      expect(answer.status).toBe(403);
      expect("body" in answer && answer.body).toMatch(/does not simulate .*Nothing was forwarded/);
    }
    const otherPort = await connectVia(proxy.proxyUrl, "management.azure.com:8443");
    expect(otherPort.status).toBe(403);
  });

  it("refuses plain (non-CONNECT) proxy requests, and answers a malformed request with 400", async () => {
    const plain = await rawExchange(
      proxy.proxyUrl,
      "GET http://169.254.169.254/metadata/identity/oauth2/token HTTP/1.1\r\nHost: 169.254.169.254\r\n\r\n",
    );
    expect(plain).toMatch(/^HTTP\/1\.1 403 /);
    expect(plain).toMatch(/does not forward plain HTTP requests/);
    const malformed = await rawExchange(proxy.proxyUrl, "THIS IS NOT HTTP\r\n\r\n");
    expect(malformed).toMatch(/^HTTP\/1\.1 400 /);
    const badTarget = await rawExchange(proxy.proxyUrl, "CONNECT nonsense HTTP/1.1\r\nHost: nonsense\r\n\r\n");
    expect(badTarget).toMatch(/^HTTP\/1\.1 400 /);
  });

  it("closes a CONNECT to a deleted vault without an answer, as a name that no longer resolves", async () => {
    const fresh = memoryStore(createWorld());
    fresh.update((w, now) => breakWorld(w, "vault-deleted", now));
    const other = await startSandboxProxy({ store: fresh });
    try {
      const vault = Object.values(fresh.read().vaults)[0]!.name;
      await expect(connectVia(other.proxyUrl, `${vault}.vault.azure.net:443`)).rejects.toThrow(/socket hang up/);
      await expect(connectVia(other.proxyUrl, "nosuchregistry1.azurecr.io:443")).rejects.toThrow(/socket hang up/);
    } finally {
      await other.close();
    }
  });

  it("survives clients that disconnect mid-handshake or send garbage instead of TLS", async () => {
    const first = await connectVia(proxy.proxyUrl, "management.azure.com:443");
    if (!("socket" in first)) throw new Error("CONNECT refused");
    first.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])); // the start of a ClientHello
    first.socket.destroy();
    const second = await connectVia(proxy.proxyUrl, "management.azure.com:443");
    if (!("socket" in second)) throw new Error("CONNECT refused");
    second.socket.end("GET / HTTP/1.1\r\n\r\n"); // plain text where TLS was expected
    await until("the failed handshakes in the log", () => logged.some((line) => /TLS handshake failed/.test(line)));
    const after = await fetchVia(proxy.proxyUrl, ca, `https://management.azure.com${registryPath()}`, {
      headers: { authorization: "Bearer x" },
    });
    expect(after.status).toBe(200);
    expect(logged.some((line) => /TLS handshake failed/.test(line))).toBe(true);
  });

  it("signs in a service principal on login.microsoftonline.com with any id and secret", async () => {
    const answer = await fetchVia(
      proxy.proxyUrl,
      ca,
      `https://login.microsoftonline.com/${world().tenantId}/oauth2/v2.0/token`,
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials&client_id=anyone&client_secret=anything&scope=https%3A%2F%2Fvault.azure.net%2F.default",
      },
    );
    expect(answer.status).toBe(200);
    const token = JSON.parse(answer.body) as { access_token: string; token_type: string; expires_in: number };
    expect(token.token_type).toBe("Bearer");
    const { header, claims, signature } = jwtParts(token.access_token);
    expect(header).toEqual({ typ: "JWT", alg: "none" });
    expect(signature).toBe("");
    expect(claims).toMatchObject({ tid: world().tenantId, aud: "https://vault.azure.net", appid: "anyone" });
  });
});
