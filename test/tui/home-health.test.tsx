// The home screen shows every registry's health before the person chooses: verdicts arrive one by one, the list puts
// the unhealthy first, and the key view says how far each key reaches.
import { describe, expect, it } from "vitest";
import type { RegistryHealth } from "../../src/tui/types.js";
import { until } from "../fixtures/until.js";
import { KEYS } from "./fakes.js";
import { mountTui, type, waitForFrame } from "./harness.js";

describe("home: fleet health", () => {
  it("lists the unhealthy registry first as its verdict arrives, with the key view, and Enter diagnoses it", async () => {
    let report: ((h: RegistryHealth) => void) | undefined;
    let finish: ((keys: { keys: string[] }) => void) | undefined;
    const mounted = mountTui({
      scanHealth: (onResult) => {
        report = onResult;
        return new Promise((resolve) => (finish = resolve));
      },
    });
    const first = await waitForFrame(
      mounted.stdout,
      (f) => f.includes("Which registry?") && f.includes("0 of 2 known"),
    );
    // Before any verdict the list keeps its own order: rg-prod first.
    expect(first.indexOf("contosoprod")).toBeLessThan(first.indexOf("contosodev"));

    report!({ resourceGroup: "rg-prod", registry: "contosoprod", healthy: true });
    report!({ resourceGroup: "rg-dev", registry: "contosodev", healthy: false, finding: "KEY_SOFT_DELETED" });
    const sorted = await waitForFrame(
      mounted.stdout,
      (f) => f.includes("✖ KEY_SOFT_DELETED") && f.includes("✔ healthy"),
    );
    expect(sorted.indexOf("contosodev")).toBeLessThan(sorted.indexOf("contosoprod"));

    finish!({ keys: ["kv-shared/acr-cmk: 2 registries, 1 container group, 2 unhealthy"] });
    await waitForFrame(mounted.stdout, (f) =>
      f.includes("key kv-shared/acr-cmk: 2 registries, 1 container group, 2 unhealthy"),
    );
    await type(mounted, KEYS.enter);
    await until("the diagnosis", () => mounted.diagnosed.length === 1);
    expect(mounted.diagnosed).toEqual([{ resourceGroup: "rg-dev", registry: "contosodev" }]);
  });

  it("without a fleet scan the list shows no health column", async () => {
    const mounted = mountTui();
    const frame = await waitForFrame(mounted.stdout, (f) => f.includes("Which registry?"));
    expect(frame).not.toMatch(/✔ healthy|✖|known\)/);
  });
});
