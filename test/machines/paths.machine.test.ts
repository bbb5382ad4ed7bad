// Model-based tests: every transition of every runbook's graph, driven end to end on a real actor against the
// sandbox through the real SDK clients. Prints the number of machine paths tested.
import { afterAll, describe, expect, it } from "vitest";
import { drivePath, enumeratePaths } from "./model.js";
import { MODELS } from "./paths.js";

let tested = 0;
let purges = 0;
const perRunbook: Record<string, number> = {};

describe.each(MODELS.map((m) => [m.label ?? m.runbook.id, m] as const))(
  "%s: every transition of the model, on the sandbox",
  (label, model) => {
    const paths = enumeratePaths(model);

    it("names every edge the sandbox cannot produce, with the reason", () => {
      const documented: Record<string, string[]> = {
        "key-deleted": ["enable-purge-protection:stale"],
        rotate: ["create-key-version:stale"],
        restore: ["create-key-version:stale"],
        "key-deleted (container group)": [
          "check-vault:not-cmk",
          "check-key:key-not-purged",
          "enable-purge-protection:stale",
        ],
        "restore (container group)": ["check-access:not-cmk"],
      };
      expect(Object.keys(model.unrealizable)).toEqual(documented[label] ?? []);
      for (const reason of Object.values(model.unrealizable)) expect(reason.length).toBeGreaterThan(20);
    });

    it("reaches every state of the machine", () => {
      const reached = new Set(paths.flatMap((p) => p.steps.map((s) => String(s.state.value))));
      // Every state some step can lead to (final states no step of this runbook targets do not count).
      const targets = new Set<string>(["aborted", "failed", "rejected", model.runbook.spec.steps[0]?.id ?? ""]);
      for (const step of model.runbook.spec.steps) {
        targets.add(step.id);
        if (step.type === "invoke") Object.values(step.on).forEach((t) => targets.add(t));
        if (step.type === "input") Object.values(step.on).forEach((t) => targets.add(t));
        if (step.type === "wait") targets.add(step.onDeadline);
      }
      expect([...targets].filter((s) => !reached.has(s))).toEqual([]);
    });

    it.each(paths.map((p) => [p.description, p] as const))("%s", async (_d, path) => {
      const sb = await drivePath(model, path);
      tested++;
      perRunbook[label] = (perRunbook[label] ?? 0) + 1;
      purges += sb.world().counters.purgeRequests;
    });
  },
);

afterAll(() => {
  const detail = Object.entries(perRunbook)
    .map(([id, n]) => `${id} ${n}`)
    .join(", ");
  console.log(`machine paths tested against the sandbox: ${tested} (${detail}); purge requests: ${purges}`);
});
