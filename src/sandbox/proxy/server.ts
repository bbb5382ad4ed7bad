// `sandbox serve --proxy`: an HTTP proxy on 127.0.0.1 that takes CONNECT for the Azure hosts the sandbox simulates,
// terminates TLS with certificates from its own CA, and answers behind it from the sandbox (Resource Manager, Key
// Vault, the registry data plane) or the simulated Entra ID. Nothing is ever forwarded: every other host, and every
// plain-HTTP proxy request, is refused with a body that says why. Real clients (the Azure CLI, the Azure SDKs) reach
// it through HTTPS_PROXY, as they would a corporate proxy (https://learn.microsoft.com/en-us/cli/azure/use-azure-cli-successfully-troubleshooting#work-behind-a-proxy).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecureContext, type SecureContext, type TLSSocket } from "node:tls";
import { createSandboxHandler, type SandboxHandler } from "../handler.js";
import { serveRequest, startSandboxServer } from "../server.js";
import type { WorldStore } from "../store.js";
import { createCertificateAuthority } from "./ca.js";
import { handleEntra } from "./entra.js";
import { parseAuthority, proxyTarget, resolves } from "./hosts.js";

export interface SandboxProxy {
  /** The sandbox served directly (as plain `sandbox serve`), with a certificate from the same CA. */
  url: string;
  /** http://127.0.0.1:<port>: the value for HTTPS_PROXY. */
  proxyUrl: string;
  /** PEM of the proxy's CA: REQUESTS_CA_BUNDLE (Azure CLI), NODE_EXTRA_CA_CERTS (Node). */
  caCertPath: string;
  tenantId: string;
  subscriptionId: string;
  close(): Promise<void>;
}

export interface SandboxProxyOptions {
  store: WorldStore;
  /** The proxy's port (0 or absent: any free port). */
  port?: number;
  latencyMs?: number;
  /** One line per refused or failed connection (stderr in the CLI); silent when absent. */
  log?: (line: string) => void;
  /** Hears every request answered behind TLS (tests record which operations a client used). */
  onRequest?: (record: ProxiedRequest) => void;
}

export interface ProxiedRequest {
  host: string;
  method: string;
  /** Path without the query string. */
  path: string;
  query: string;
  /** undefined: the connection was dropped without an answer (a vault deleted while its connection was open). */
  status?: number;
}

const SIMULATED =
  "management.azure.com, login.microsoftonline.com (and login.windows.net), <vault>.vault.azure.net and <registry>.azurecr.io";

/** A complete HTTP/1.1 answer written on a raw socket (CONNECT and parse errors have no ServerResponse). */
function rawAnswer(socket: Socket, status: number, reason: string, body: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const text = `${body}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

function notSimulated(host: string): string {
  return `The acr-cmk sandbox proxy does not simulate ${host}: it answers only for ${SIMULATED}. Nothing was forwarded; this proxy never connects anywhere else.`;
}

export async function startSandboxProxy(options: SandboxProxyOptions): Promise<SandboxProxy> {
  const { store } = options;
  const log = options.log ?? (() => undefined);
  const world = store.read();
  const ca = await createCertificateAuthority();
  const folder = await mkdtemp(join(tmpdir(), "acr-cmk-proxy-"));
  const caCertPath = join(folder, "sandbox-proxy-ca.pem");
  await writeFile(caCertPath, ca.certPem, { mode: 0o644 });

  const sandbox = createSandboxHandler({
    store,
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  });
  const entra: SandboxHandler = { handle: async (req) => handleEntra(req, store.read()) };

  const contexts = new Map<string, Promise<SecureContext>>();
  const contextFor = (host: string): Promise<SecureContext> => {
    let context = contexts.get(host);
    if (!context) {
      context = ca.leafFor(host).then((leaf) => createSecureContext({ key: leaf.key, cert: leaf.cert }));
      contexts.set(host, context);
      context.catch(() => contexts.delete(host));
    }
    return context;
  };
  // Clients without SNI (rare: every Azure client sends it) get Resource Manager's certificate.
  const fallback = await ca.leafFor("management.azure.com");

  const tls = createHttpsServer(
    {
      key: fallback.key,
      cert: fallback.cert,
      SNICallback: (servername, done) => {
        const target = proxyTarget(servername.toLowerCase());
        if (!target) {
          done(new Error(`no certificate for ${servername}`));
          return;
        }
        contextFor(target.host).then(
          (context) => done(null, context),
          (error: unknown) => done(error as Error),
        );
      },
    },
    (req: IncomingMessage, res: ServerResponse) => {
      const servername = (req.socket as TLSSocket).servername;
      const hostHeader = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
      const host = (typeof servername === "string" && servername ? servername : hostHeader).toLowerCase();
      if (hostHeader && hostHeader !== host) {
        // RFC 9110 §15.5.20: the connection is for another host than the request names.
        res.writeHead(421, { "content-type": "text/plain; charset=utf-8" });
        res.end(`This connection is for ${host}; the request names ${hostHeader}.\n`);
        return;
      }
      const target = proxyTarget(host);
      if (!target) {
        res.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
        res.end(`${notSimulated(host)}\n`);
        return;
      }
      if (options.onRequest) {
        const [path = "/", query = ""] = (req.url ?? "/").split("?", 2);
        const method = req.method ?? "GET";
        const notify = options.onRequest;
        res.once("close", () =>
          notify({ host, method, path, query, ...(res.headersSent ? { status: res.statusCode } : {}) }),
        );
      }
      void serveRequest(target.service === "entra" ? entra : sandbox, req, res);
    },
  );
  // A client that gives up mid-handshake (or speaks something else) costs its own connection, nothing more.
  tls.on("tlsClientError", (error, socket) => {
    log(`proxy: TLS handshake failed: ${error.message}`);
    socket.destroy();
  });

  const sockets = new Set<Socket>();
  const proxy = createHttpServer();
  proxy.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  });

  proxy.on("connect", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const authority = parseAuthority(req.url ?? "");
    if (!authority) {
      rawAnswer(socket, 400, "Bad Request", `CONNECT needs a host:port target (got '${req.url ?? ""}').`);
      return;
    }
    const { host, port } = authority;
    const target = proxyTarget(host);
    if (!target) {
      log(`proxy: refused CONNECT ${host}:${port} (not simulated)`);
      rawAnswer(socket, 403, "Forbidden", notSimulated(host));
      return;
    }
    if (port !== 443) {
      rawAnswer(socket, 403, "Forbidden", `The acr-cmk sandbox proxy answers for ${host} on port 443 only.`);
      return;
    }
    let exists: boolean;
    try {
      exists = resolves(store.read(), target);
    } catch (error) {
      rawAnswer(socket, 502, "Bad Gateway", `The sandbox state cannot be read: ${(error as Error).message}`);
      return;
    }
    if (!exists) {
      // A deleted vault's or a missing registry's name stops resolving. A proxy that cannot resolve a name has no
      // tunnel to open: the connection ends without an answer, so clients see a transport error, not an HTTP status.
      log(`proxy: ${host} does not resolve (no such ${target.service === "acr" ? "registry" : "live vault"})`);
      socket.destroy();
      return;
    }
    socket.write("HTTP/1.1 200 Connection Established\r\nProxy-Agent: acr-cmk-sandbox\r\n\r\n", () => {
      if (head.length > 0) socket.unshift(head);
      tls.emit("connection", socket);
    });
  });

  proxy.on("request", (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader("content-type", "text/plain; charset=utf-8");
    res.setHeader("connection", "close");
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(req.url ?? "")) {
      log(`proxy: refused plain ${req.method ?? "?"} ${req.url ?? ""}`);
      res.writeHead(403);
      res.end(
        `The acr-cmk sandbox proxy does not forward plain HTTP requests (${req.method} ${req.url}): it only tunnels HTTPS (CONNECT) to ${SIMULATED}. Nothing was forwarded.\n`,
      );
      return;
    }
    res.writeHead(400);
    res.end(
      "This is the acr-cmk sandbox's HTTPS proxy, not a web server: point a client at it with HTTPS_PROXY and call the Azure hosts it simulates.\n",
    );
  });

  proxy.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === "ECONNRESET") {
      socket.destroy();
      return;
    }
    rawAnswer(socket, 400, "Bad Request", `The acr-cmk sandbox proxy could not parse the request: ${error.message}.`);
  });

  await new Promise<void>((resolve, reject) => {
    proxy.once("error", reject);
    proxy.listen(options.port ?? 0, "127.0.0.1", () => {
      proxy.off("error", reject);
      resolve();
    });
  });
  const address = proxy.address();
  const proxyPort = typeof address === "object" && address ? address.port : options.port;

  let direct: Awaited<ReturnType<typeof startSandboxServer>>;
  try {
    const leaf = await ca.leafFor("127.0.0.1");
    direct = await startSandboxServer({
      store,
      host: "127.0.0.1",
      ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
      certificate: { key: leaf.key, cert: leaf.cert, caCertPath },
    });
  } catch (error) {
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await rm(folder, { recursive: true, force: true });
    throw error;
  }

  let closed = false;
  return {
    url: direct.url,
    proxyUrl: `http://127.0.0.1:${proxyPort}`,
    caCertPath,
    tenantId: world.tenantId,
    subscriptionId: world.subscriptionId,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        proxy.closeAllConnections();
      });
      await direct.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}
