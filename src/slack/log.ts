// The app's logger: pino's (fields, message) shape, so `acr-cmk slack` passes its pino logger straight in. Fields
// never carry tokens, secrets, response URLs or request bodies.
import { LogLevel, type Logger } from "@slack/bolt";

export interface SlackLog {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLog: SlackLog = { debug() {}, info() {}, warn() {}, error() {} };

function joined(messages: unknown[]): string {
  return messages
    .map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : JSON.stringify(m)))
    .join(" ");
}

/**
 * Bolt's own log lines go through ours. Debug is dropped on purpose: at that level the Web API client logs request
 * bodies, and nothing a request carries belongs in a log.
 */
export function boltLogger(log: SlackLog): Logger {
  let level = LogLevel.INFO;
  return {
    debug: () => undefined,
    info: (...messages) => log.info({ source: "bolt" }, joined(messages)),
    warn: (...messages) => log.warn({ source: "bolt" }, joined(messages)),
    error: (...messages) => log.error({ source: "bolt" }, joined(messages)),
    setLevel: (next) => {
      // Never below info (see above).
      level = next === LogLevel.DEBUG ? LogLevel.INFO : next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
