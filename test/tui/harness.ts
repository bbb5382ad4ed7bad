// Mounts the whole TUI (renderTui), or one Ink element, on fake streams with a fake engine: keystrokes in, frames out.
// Every mount is left when its test ends, passed or failed; waits end on a definite event (the frame a test expects,
// then one turn of the event loop), never on a guessed number of milliseconds.
import { stripVTControlCharacters } from "node:util";
import { render } from "ink";
import type { ReactElement } from "react";
import { onTestFinished } from "vitest";
import { renderTui, type RenderTuiOptions, type TuiResult } from "../../src/tui/app.js";
import type { RegistryChoice, RegistryTarget, SubscriptionChoice, TuiDiagnosis } from "../../src/tui/types.js";
import {
  FakeEngine,
  FakeProcess,
  FakeStdin,
  FakeStdout,
  KEY_DELETED_FINDINGS,
  KEYS,
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
  return leftAfterTest({ stdout, stdin, engine, diagnosed, result });
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
  return leftAfterTest({ stdout, stdin, engine, diagnosed, result, connected, listings: () => listed });
}

/** Ctrl-C when the test ends: it leaves any screen, even while a text field has the keyboard (a no-op once left). */
function leftAfterTest<T extends Mounted>(mounted: T): T {
  onTestFinished(async () => {
    mounted.stdin.write(KEYS.ctrlC);
    await mounted.result.catch(() => undefined);
  });
  return mounted;
}

/** One Ink element, as Ink draws it in debug mode (every frame whole), unmounted when the test ends. */
export function mountElement(
  tree: ReactElement,
  columns = 80,
): { stdout: FakeStdout; stdin: FakeStdin; unmount(): void } {
  const stdout = new FakeStdout(columns, 40);
  const stdin = new FakeStdin();
  const instance = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  onTestFinished(() => instance.unmount());
  return { stdout, stdin, unmount: () => instance.unmount() };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Event-loop turns until one passes without a new frame. A frame is written during React's commit; the commit's
 * effects (which attach the screen's input handlers, or move a refusal into the approval box and draw again) are run
 * by React's scheduler on a later turn. Bounded: a spinner draws every 80 ms, far apart from these turns.
 */
async function settled(stdout: FakeStdout): Promise<void> {
  for (let turn = 0; turn < 100; turn++) {
    const frames = stdout.frames.length;
    await nextTurn();
    if (stdout.frames.length === frames) return;
  }
}

/** Resolves at the next write to `stdout`, or at `deadline`. */
function nextWrite(stdout: FakeStdout, deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stdout.off("write", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
    stdout.on("write", done);
  });
}

async function waitForWrite(
  stdout: FakeStdout,
  read: () => string,
  check: (text: string) => boolean,
  timeoutMs: number,
  tail: (text: string) => string,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = read();
    if (check(text)) {
      await settled(stdout);
      return text;
    }
    if (Date.now() >= deadline) throw new Error(`no frame matched within ${timeoutMs} ms; last output:\n${tail(text)}`);
    await nextWrite(stdout, deadline);
  }
}

/** The first frame, from the one on screen now on, that satisfies `check`; the screen's keys then work. */
export function waitForFrame(stdout: FakeStdout, check: (frame: string) => boolean, timeoutMs = 5000): Promise<string> {
  return waitForWrite(
    stdout,
    () => stdout.lastFrame(),
    check,
    timeoutMs,
    (frame) => frame,
  );
}

/** Waits until everything written so far contains `text` (for the CLI's throttled, partly redrawn frames). */
export async function screenShows(stdout: FakeStdout, text: string, timeoutMs = 10_000): Promise<void> {
  await waitForWrite(
    stdout,
    () => stdout.allText(),
    (all) => all.includes(text),
    timeoutMs,
    (all) => all.slice(-1500),
  );
}

/**
 * Types keys one by one, each handled (its frames drawn) before the next. Ink holds a lone Esc for 20 ms to tell it
 * from the start of an escape sequence, so Esc comes last: wait for the frame it brings before typing on.
 */
export async function type(tui: { stdin: FakeStdin; stdout: FakeStdout }, ...keys: string[]): Promise<void> {
  for (const [index, key] of keys.entries()) {
    if (key === KEYS.escape && index < keys.length - 1) {
      throw new Error("type Esc last, then wait for its frame: a key typed within 20 ms would be read as Alt+key");
    }
    tui.stdin.write(key);
    await settled(tui.stdout);
  }
}
