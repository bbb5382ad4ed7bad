// A fake Slack Web API on 127.0.0.1: answers the methods the app calls with HTTP 200 and records every call, plus the
// response URLs Slack hands to slash commands and buttons. For Socket Mode it hands out a WebSocket URL
// (apps.connections.open), normally that of a FakeSlackSocket.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface WebApiCall {
  method: string;
  args: Record<string, unknown>;
  authorization?: string;
  /** What the fake answered. */
  result?: Record<string, unknown>;
}

export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
}

export class FakeSlack {
  readonly calls: WebApiCall[] = [];
  readonly responses: ResponseUrlPost[] = [];
  private server?: Server;
  private nextTs = 1;
  url = "";
  /** Methods that answer `{ ok: false, error }` (still HTTP 200, as Slack does). */
  readonly failures = new Map<string, string>();
  /** What apps.connections.open answers (Socket Mode). */
  socketUrl = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void readBody(req).then((raw) => {
        const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
        const json = (value: unknown) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(value));
        };
        if (path.startsWith("/response/")) {
          this.responses.push({ id: path.slice("/response/".length), body: JSON.parse(raw || "{}") });
          res.writeHead(200, { "content-type": "text/plain" });
          res.end("ok");
          return;
        }
        const method = path.replace(/^\/api\//, "");
        const args = parseArgs(raw, String(req.headers["content-type"] ?? ""));
        const call: WebApiCall = {
          method,
          args,
          ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        };
        this.calls.push(call);
        const failure = this.failures.get(method);
        call.result = failure ? { ok: false, error: failure } : this.answer(method, args);
        json(call.result);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.url}/response/${id}`;
  }

  callsTo(method: string): WebApiCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case "apps.connections.open":
        return this.socketUrl ? { ok: true, url: this.socketUrl } : { ok: false, error: "no_socket_url" };
      case "auth.test":
        return { ok: true, user_id: "UBOT", bot_id: "BBOT", team_id: "T0001", user: "acr-cmk", team: "test" };
      case "chat.postMessage": {
        const ts = `1700000000.${String(this.nextTs++).padStart(6, "0")}`;
        return { ok: true, channel: args.channel, ts, message: { ts, text: args.text } };
      }
      case "chat.update":
        return { ok: true, channel: args.channel, ts: args.ts, text: args.text };
      case "chat.postEphemeral":
        return { ok: true, message_ts: `1700000000.${String(this.nextTs++).padStart(6, "0")}` };
      case "views.open":
        return { ok: true, view: { id: `V${this.nextTs++}` } };
      default:
        return { ok: false, error: "unknown_method" };
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** The Web API client sends form fields, with objects (blocks, view) as JSON strings. */
function parseArgs(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes("application/json")) return JSON.parse(raw || "{}") as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    args[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return args;
}
