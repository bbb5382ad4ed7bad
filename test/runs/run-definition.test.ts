// Which form of a runbook a run on a container group follows, and the refusal for the others: both read the runbook
// catalogue's own word on which targets each runbook takes, so a runbook added there (or changed) cannot leave the
// check or the refusal's list of runbooks behind. The catalogue is replaced here by one where rotate also takes
// container groups and restore no longer does.
import { describe, expect, it, vi } from "vitest";
import type { RunbookDefinition } from "../../src/machines/protocol.js";
import { RunRefused } from "../../src/runs/types.js";

vi.mock("../../src/runbooks/catalogue.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/runbooks/catalogue.js")>();
  const targets: Record<string, readonly string[]> = { rotate: ["registry", "container-group"], restore: ["registry"] };
  const catalogue = real.RUNBOOK_CATALOGUE.map((entry) => ({ ...entry, targets: targets[entry.id] ?? entry.targets }));
  return {
    ...real,
    RUNBOOK_CATALOGUE: catalogue,
    runbooksTaking: (kind: string) => catalogue.filter((e) => e.targets.includes(kind)).map((e) => e.id),
  };
});

const { formFor } = await import("../../src/runs/run-definition.js");

const group = { subscriptionId: "s", resourceGroup: "rg", containerGroup: "ci-x" };
const registry = { subscriptionId: "s", resourceGroup: "rg", registry: "r" };

function definition(id: RunbookDefinition["id"], withGroupForm: boolean): RunbookDefinition {
  const base = {
    id,
    title: id,
    summary: id,
    machine: {},
    actors: () => ({}),
    steps: [],
  } as unknown as RunbookDefinition;
  return withGroupForm ? { ...base, containerGroup: { ...base, title: `${id} (group)` } } : base;
}

function refusal(fn: () => unknown): RunRefused {
  try {
    fn();
  } catch (error) {
    if (error instanceof RunRefused) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("the form a run follows for its target", () => {
  it("a registry follows the runbook itself, whatever it takes", () => {
    const revoke = definition("revoke", false);
    expect(formFor(revoke, registry)).toBe(revoke);
  });

  it("a container group follows the group form of a runbook the catalogue says takes groups", () => {
    const keyDeleted = definition("key-deleted", true);
    expect(formFor(keyDeleted, group)).toBe(keyDeleted.containerGroup);
  });

  it("refuses a runbook the catalogue says does not take groups, naming the ones that do", () => {
    const refused = refusal(() => formFor(definition("revoke", false), group));
    expect(refused.message).toContain("Runbook revoke does not apply to container groups");
    expect(refused.message).toContain("(key-deleted, rotate)");
    // The catalogue decides, not the presence of a form.
    expect(refusal(() => formFor(definition("restore", true), group)).message).toContain(
      "Runbook restore does not apply to container groups",
    );
  });
});
