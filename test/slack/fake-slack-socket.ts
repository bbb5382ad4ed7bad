// Slack's side of a Socket Mode connection on 127.0.0.1: greets every connection with `hello`, sends envelopes as
// Slack does (`{ envelope_id, type, payload, accepts_response_payload }`), and records what the app sends back
// (acks: `{ envelope_id, payload }`). Formats from @slack/socket-mode's SocketModeClient.
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

export interface SocketEnvelope {
  envelope_id: string;
  type: "slash_commands" | "interactive" | "events_api";
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
}

export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

export class FakeSlackSocket {
  readonly received: SocketAck[] = [];
  /** Requests for the upgrade, to check what the app asked for. */
  readonly paths: string[] = [];
  private server?: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private readonly waiters = new Set<() => void>();
  url = "";

  async start(): Promise<void> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    this.server = server;
    server.on("connection", (socket, request) => {
      this.paths.push(request.url ?? "");
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("message", (data) => {
        this.received.push(JSON.parse(String(data)) as SocketAck);
        for (const wake of this.waiters) wake();
      });
      socket.send(
        JSON.stringify({
          type: "hello",
          num_connections: 1,
          debug_info: { host: "applink-test", approximate_connection_time: 18060 },
          connection_info: { app_id: "A0001" },
        }),
      );
    });
    await new Promise<void>((resolve) => server.on("listening", resolve));
    this.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link/?ticket=test-ticket&app_id=A0001`;
  }

  get connections(): number {
    return this.sockets.size;
  }

  send(envelope: SocketEnvelope): void {
    for (const socket of this.sockets) socket.send(JSON.stringify(envelope));
  }

  /** The app's answer to one envelope; fails after `timeoutMs`. */
  ack(envelopeId: string, timeoutMs: number): Promise<SocketAck> {
    return new Promise((resolve, reject) => {
      const look = () => {
        const found = this.received.find((message) => message.envelope_id === envelopeId);
        if (!found) return false;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(found);
        return true;
      };
      const wake = () => void look();
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`no ack for envelope ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!look()) this.waiters.add(wake);
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
