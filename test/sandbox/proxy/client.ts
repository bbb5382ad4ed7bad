// A minimal HTTPS-through-proxy client for the proxy's own tests: CONNECT, then TLS with the proxy's CA, then one
// request. It shows what a proxy-aware client sees at each stage, which a full SDK would hide.
import { request as httpRequest, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";

export interface RawAnswer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    res.on("data", (chunk: Buffer) => (text += chunk.toString()));
    res.on("end", () => resolve(text));
    res.on("error", reject);
  });
}

/** Sends CONNECT; resolves with the tunnel socket (200) or the proxy's refusal; rejects when the proxy hangs up. */
export function connectVia(
  proxyUrl: string,
  authority: string,
): Promise<{ socket: Socket; status: 200 } | { status: number; body: string }> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: proxy.hostname, port: proxy.port, method: "CONNECT", path: authority });
    req.on("connect", (res: IncomingMessage, socket: Socket, head: Buffer) => {
      if (res.statusCode === 200) {
        if (head.length > 0) socket.unshift(head);
        resolve({ socket, status: 200 });
        return;
      }
      let body = head.toString();
      socket.on("data", (chunk: Buffer) => (body += chunk.toString()));
      socket.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      socket.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

export function tlsOver(socket: Socket, servername: string, ca: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ socket, servername, ca }, () => resolve(tls));
    tls.on("error", reject);
  });
}

/** One HTTPS request to `url` through the proxy, trusting `ca`. */
export async function fetchVia(
  proxyUrl: string,
  ca: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawAnswer> {
  const target = new URL(url);
  const tunnel = await connectVia(proxyUrl, `${target.hostname}:443`);
  if (!("socket" in tunnel)) throw new Error(`CONNECT refused: ${tunnel.status} ${tunnel.body}`);
  const tls = await tlsOver(tunnel.socket, target.hostname, ca);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        createConnection: () => tls,
        host: target.hostname,
        path: `${target.pathname}${target.search}`,
        method: init.method ?? "GET",
        headers: { host: target.hostname, ...(init.headers ?? {}) },
      },
      (res) => {
        readAll(res).then((body) => {
          tls.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        }, reject);
      },
    );
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Writes raw bytes to the proxy and returns whatever it answers before closing. */
export function rawExchange(proxyUrl: string, bytes: string): Promise<string> {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    import("node:net").then(({ connect }) => {
      const socket = connect(Number(proxy.port), proxy.hostname, () => socket.write(bytes));
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    }, reject);
  });
}

/** The claims of a JWT-shaped token (no signature check: sandbox tokens are unsigned). */
export function jwtParts(token: string): {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signature: string;
} {
  const [header = "", claims = "", signature = ""] = token.split(".");
  const decode = (part: string) =>
    JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as Record<string, unknown>;
  return { header: decode(header), claims: decode(claims), signature };
}
