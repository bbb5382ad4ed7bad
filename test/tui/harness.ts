// Mounts the whole TUI (renderTui) on fake streams with a fake engine: keystrokes in, frames out.
import { stripVTControlCharacters } from "node:util";
import { renderTui, type RenderTuiOptions, type TuiResult } from "../../src/tui/app.js";
import type { RegistryChoice, RegistryTarget, SubscriptionChoice, TuiDiagnosis } from "../../src/tui/types.js";
import {
  FakeEngine,
  FakeProcess,
  FakeStdin,
  FakeStdout,
  KEY_DELETED_FINDINGS,
  REGISTRIES,
  diagnosisOf,
} from "./fakes.js";

export interface Mounted {
  stdout: FakeStdout;
  stdin: FakeStdin;
  engine: FakeEngine;
  diagnosed: RegistryTarget[];
  result: Promise<TuiResult>;
}

export function mountTui(
  overrides: Partial<RenderTuiOptions> & { engine?: FakeEngine; report?: TuiDiagnosis | Error } = {},
): Mounted {
  const stdout = new FakeStdout(80, 24);
  const stdin = new FakeStdin();
  const engine = overrides.engine ?? new FakeEngine();
  const diagnosed: RegistryTarget[] = [];
  const report = overrides.report ?? diagnosisOf(KEY_DELETED_FINDINGS);
  const result = renderTui({
    diagnose: async (target) => {
      diagnosed.push(target);
      if (report instanceof Error) throw report;
      return report;
    },
    listRegistries: async () => REGISTRIES,
    subscriptionId: "00000000-0000-0000-0000-000000000000",
    requester: "alice",
    sandbox: true,
    color: false,
    debug: true,
    proc: new FakeProcess(),
    ...overrides,
    engine,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
  });
  return { stdout, stdin, engine, diagnosed, result };
}

/** No line of any frame is wider than the terminal. */
export function widestLine(stdout: FakeStdout): number {
  const lines = stdout.frames.flatMap((frame) => stripVTControlCharacters(frame).split("\n"));
  return Math.max(...lines.map((line) => [...line].length));
}

export interface MountedChoosing extends Mounted {
  /** Subscription ids the TUI connected to, in order. */
  connected: string[];
  /** How often the subscriptions were listed. */
  listings: () => number;
}

/**
 * The TUI started without a subscription: it lists `subscriptions` (each answer in turn; an Error fails that listing),
 * then connects to the one chosen, whose registries are `registries[subscriptionId]`.
 */
export function mountChoosing(options: {
  subscriptions: Array<SubscriptionChoice[] | Error>;
  registries?: Record<string, RegistryChoice[]>;
  engine?: FakeEngine;
  sandbox?: boolean;
}): MountedChoosing {
  const stdout = new FakeStdout(80, 24);
  const stdin = new FakeStdin();
  const engine = options.engine ?? new FakeEngine();
  const diagnosed: RegistryTarget[] = [];
  const connected: string[] = [];
  let listed = 0;
  const result = renderTui({
    subscriptions: {
      listSubscriptions: async () => {
        const answer = options.subscriptions[Math.min(listed, options.subscriptions.length - 1)];
        listed += 1;
        if (answer instanceof Error) throw answer;
        return answer ?? [];
      },
      connect: async (subscriptionId) => {
        connected.push(subscriptionId);
        return {
          engine,
          subscriptionId,
          diagnose: async (target) => {
            diagnosed.push(target);
            return diagnosisOf(KEY_DELETED_FINDINGS);
          },
          listRegistries: async () => options.registries?.[subscriptionId] ?? REGISTRIES,
          invocation: `acr-cmk --subscription ${subscriptionId}`,
        };
      },
    },
    requester: "alice",
    sandbox: options.sandbox ?? false,
    color: false,
    debug: true,
    proc: new FakeProcess(),
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
  });
  return { stdout, stdin, engine, diagnosed, result, connected, listings: () => listed };
}
