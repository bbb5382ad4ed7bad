// The home screen shows every registry's and container group's health before the person chooses: verdicts arrive one
// by one, the list puts the unhealthy first, container groups join it as the scan finds them, and the key view says how
// far each key reaches. A container group opens its own diagnosis and starts the run that repairs its key, or says how
// to redeploy it.
import { describe, expect, it } from "vitest";
import type { ResourceHealth, TuiGroupDiagnosis } from "../../src/tui/types.js";
import { until } from "../fixtures/until.js";
import { KEY_DELETED_FINDINGS, KEYS } from "./fakes.js";
import { mountTui, type, waitForFrame } from "./harness.js";

describe("home: fleet health", () => {
  it("lists the unhealthy registry first as its verdict arrives, with the key view, and Enter diagnoses it", async () => {
    let report: ((h: ResourceHealth) => void) | undefined;
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

  it("lists container groups as the scan finds them, worst first, and a group's Enter opens its diagnosis and run", async () => {
    let report: ((h: ResourceHealth) => void) | undefined;
    let finish: ((keys: { keys: string[] }) => void) | undefined;
    const asked: string[] = [];
    const mounted = mountTui({
      scanHealth: (onResult) => {
        report = onResult;
        return new Promise((resolve) => (finish = resolve));
      },
      diagnoseContainerGroup: async (id) => {
        asked.push(id);
        return groupDiagnosis({ runbook: "key-deleted" });
      },
    });
    await waitForFrame(mounted.stdout, (f) => f.includes("Which registry?") && f.includes("0 of 2 known"));
    report!({ resourceGroup: "rg-prod", registry: "contosoprod", healthy: true });
    report!({ ...WEB, healthy: true, runbook: null });
    report!({ ...API, healthy: false, finding: "KEY_SOFT_DELETED", runbook: "key-deleted" });
    const listed = await waitForFrame(
      mounted.stdout,
      (f) => f.includes("Which registry or container group?") && f.includes("rg-apps/ci-api"),
    );
    // The broken group first, then the registry whose verdict is not in yet, then the healthy ones.
    expect(listed).toMatch(/rg-apps\/ci-api\s+ACI group · ✖ KEY_SOFT_DELETED · key-deleted/);
    expect(listed).toMatch(/rg-apps\/ci-web\s+ACI group · ✔ healthy/);
    expect(listed.indexOf("ci-api")).toBeLessThan(listed.indexOf("contosodev"));
    expect(listed.indexOf("contosodev")).toBeLessThan(listed.indexOf("contosoprod"));
    expect(listed).toContain("3 of 4 known");

    finish!({ keys: ["kv-apps/acr-cmk: 1 registry, 2 container groups, 1 unhealthy"] });
    await waitForFrame(mounted.stdout, (f) =>
      f.includes("key kv-apps/acr-cmk: 1 registry, 2 container groups, 1 unhealthy"),
    );
    await type(mounted, KEYS.enter);
    const home = await waitForFrame(mounted.stdout, (f) => f.includes("Start recovery: key-deleted"));
    expect(asked).toEqual([API.id]);
    expect(mounted.diagnosed).toEqual([]);
    expect(home).toContain("✖ Not healthy: container group rg-apps/ci-api");
    expect(home).toContain("KEY_SOFT_DELETED");

    await type(mounted, KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Approve this change?"));
    const [params] = mounted.engine.callsTo("start")[0] as [Record<string, unknown>];
    expect(params).toMatchObject({
      runbook: "key-deleted",
      target: { resourceGroup: "rg-apps", containerGroup: "ci-api" },
      driver: "tui",
      hints: { "container-group": "ci-api", "key-name": "acr-cmk" },
    });
    // A high-risk change on a group asks for the group's name, never a registry's.
    await type(mounted, "a");
    await waitForFrame(mounted.stdout, (f) => f.includes("Type the container group name ci-api"));
    await type(mounted, "contosoprod", KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes('"contosoprod" is not the container group name'));
    await type(mounted, KEYS.escape);
    await waitForFrame(mounted.stdout, (f) => f.includes("a approve"));
    await type(mounted, "a", "ci-api", KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Run recovered"));
    expect(mounted.engine.callsTo("approve").at(-1)).toEqual([
      "run-1",
      "alice",
      { fingerprint: "fp-1", confirmation: "ci-api" },
    ]);

    // Enter goes home to a fresh diagnosis of the same group.
    await type(mounted, KEYS.enter);
    await until("a second diagnosis of the group", () => asked.length === 2);
    expect(asked[1]).toBe(API.id);
  });

  it("a group only a redeploy can fix offers no run, and says how to redeploy it", async () => {
    const mounted = mountTui({
      scanHealth: async (onResult) => {
        onResult({ ...API, healthy: false, finding: "KEY_PURGED", runbook: null });
        return { keys: [] };
      },
      diagnoseContainerGroup: async () =>
        groupDiagnosis({
          runbook: null,
          redeploy: {
            command: "az container create --resource-group rg-apps --file ci-api.yaml",
            file: "name: ci-api\n",
          },
        }),
    });
    const listed = await waitForFrame(mounted.stdout, (f) => f.includes("rg-apps/ci-api"));
    expect(listed).toMatch(/ACI group · ✖ KEY_PURGED · redeploy/);
    await type(mounted, KEYS.enter);
    const home = await waitForFrame(mounted.stdout, (f) => f.includes("Redeploy with:"));
    expect(home).toContain("az container create --resource-group rg-apps --file ci-api.yaml");
    // The command wraps at 80 columns; read it whole.
    expect(home.replace(/\n/g, "")).toContain(`diagnose --id ${API.id}`);
    expect(home).not.toContain("Start recovery");
    // "Choose another registry or container group" goes back to the list.
    await type(mounted, KEYS.down, KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Which registry or container group?"));
    expect(mounted.engine.callsTo("start")).toHaveLength(0);
  });
});

const GROUP_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-apps/providers";
const API = {
  resourceGroup: "rg-apps",
  containerGroup: "ci-api",
  id: `${GROUP_ID}/Microsoft.ContainerInstance/containerGroups/ci-api`,
};
const WEB = {
  resourceGroup: "rg-apps",
  containerGroup: "ci-web",
  id: `${GROUP_ID}/Microsoft.ContainerInstance/containerGroups/ci-web`,
};

function groupDiagnosis(overrides: Partial<TuiGroupDiagnosis>): TuiGroupDiagnosis {
  return {
    healthy: false,
    findings: KEY_DELETED_FINDINGS,
    runbook: null,
    redeploy: null,
    sharedWith: [],
    hints: { "container-group": "ci-api", "vault-name": "kv-apps", "key-name": "acr-cmk", "key-version": "v1" },
    ...overrides,
  };
}
