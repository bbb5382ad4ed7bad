// `sandbox serve`: the sandbox over HTTPS on 127.0.0.1 with a freshly generated self-signed certificate. The
// certificate is written to a temp folder so clients can trust it (core-rest-pipeline: `tlsOptions: { ca }`).
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "selfsigned";
import { createSandboxHandler, SandboxNetworkError, type SandboxHandler } from "./handler.js";
import type { WorldStore } from "./store.js";

export interface SandboxServer {
  /** https://127.0.0.1:<port> */
  url: string;
  /** PEM file of the server's self-signed certificate. */
  caCertPath: string;
  close(): Promise<void>;
}

/** Request bodies the simulated APIs take are small; anything larger is refused rather than buffered. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

async function certificate(host: string): Promise<{ key: string; cert: string }> {
  const isIp = /^[\d.]+$/.test(host) || host.includes(":");
  const altNames = [
    { type: 2 as const, value: "localhost" },
    { type: 7 as const, ip: "127.0.0.1" },
    ...(host !== "127.0.0.1" && host !== "localhost"
      ? [isIp ? { type: 7 as const, ip: host } : { type: 2 as const, value: host }]
      : []),
  ];
  const pems = await generate([{ name: "commonName", value: host }], {
    keySize: 2048,
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 30 * 86_400_000),
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("request body too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Answers one Node request from a transport-neutral handler (the sandbox's, or the proxy's simulated Entra ID). */
export async function serveRequest(handler: SandboxHandler, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: string;
  try {
    body = await readBody(req);
  } catch {
    res.writeHead(413, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ error: { code: "RequestEntityTooLarge", message: "The request body is too large." } }));
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  const host = headers.host ?? "127.0.0.1";
  try {
    const answer = await handler.handle({
      method: req.method ?? "GET",
      url: `https://${host}${req.url ?? "/"}`,
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body ?? "");
  } catch (error) {
    // A deleted vault has no DNS name; over a socket the closest stand-in is a connection dropped without an answer.
    if (error instanceof SandboxNetworkError) {
      req.socket.destroy();
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ error: { code: "SandboxInternalError", message: `The sandbox failed: ${message}` } }));
  }
}

export async function startSandboxServer(options: {
  store: WorldStore;
  port?: number;
  host?: string;
  latencyMs?: number;
  /** A certificate issued by someone else (the proxy's CA), whose CA is already at `caCertPath`; else a self-signed one. */
  certificate?: { key: string; cert: string; caCertPath: string };
}): Promise<SandboxServer> {
  const host = options.host ?? "127.0.0.1";
  const handler = createSandboxHandler({
    store: options.store,
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  });
  let key: string;
  let cert: string;
  let caCertPath: string;
  let folder: string | undefined;
  if (options.certificate) {
    ({ key, cert, caCertPath } = options.certificate);
  } else {
    ({ key, cert } = await certificate(host));
    folder = await mkdtemp(join(tmpdir(), "acr-cmk-sandbox-"));
    caCertPath = join(folder, "sandbox-ca.pem");
    await writeFile(caCertPath, cert, { mode: 0o644 });
  }

  const server: Server = createServer({ key, cert }, (req, res) => {
    void serveRequest(handler, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  let closed = false;
  return {
    url: `https://${urlHost}:${port}`,
    caCertPath,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (folder) await rm(folder, { recursive: true, force: true });
    },
  };
}
