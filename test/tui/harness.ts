// Mounts the whole TUI (renderTui) on fake streams with a fake engine: keystrokes in, frames out.
import { stripVTControlCharacters } from "node:util";
import { renderTui, type RenderTuiOptions, type TuiResult } from "../../src/tui/app.js";
import type { RegistryTarget, TuiDiagnosis } from "../../src/tui/types.js";
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
