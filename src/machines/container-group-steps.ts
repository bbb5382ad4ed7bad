// The container-group form of a runbook: the same steps on the key, the vault and the identity's access, with the
// registry's own steps taken out and the proof made the group's key path. A container group's encryption (vault, key,
// version, identity) is fixed when it is deployed, so nothing can re-point it at another key or identity; what a run
// can do is make the key it names usable again:
// https://learn.microsoft.com/azure/container-instances/container-instances-encrypt-data
import { AZ } from "./az.js";
import { verify, type InvokeStep, type RunbookSpec, type StepSpec } from "./steps.js";

export const VERIFY_CONTAINER_GROUP = "verify-container-group";

/** verify-container-group: the proof a container group's key repair worked. */
export function verifyContainerGroup(next: string): InvokeStep {
  return verify(
    VERIFY_CONTAINER_GROUP,
    {
      title: "Verify the container group can use its key",
      why: "The group reads only the key version it was deployed with: that version must be enabled and unexpired, its identity must be allowed get and unwrapKey, and a vault firewall must let trusted Azure services through.",
      risk: "none",
      az: AZ.showContainerGroupKey,
    },
    "verifyContainerGroup",
    { ok: next, unusable: "failed" },
  );
}

/**
 * A shared step's words, said of the group: "the registry's data" becomes "the container group's data" (the diagnosis
 * says its findings the same way; the layers keep one copy each).
 */
function groupWords(text: string): string {
  return text.replace(/\b([Tt]he) registry\b/g, "$1 container group");
}

function inGroupWords<T extends StepSpec>(step: T): T {
  return { ...step, meta: { ...step.meta, title: groupWords(step.meta.title), why: groupWords(step.meta.why) } };
}

function retarget(on: Record<string, string>, from: string, to: string): Record<string, string> {
  return Object.fromEntries(Object.entries(on).map(([k, v]) => [k, v === from ? to : v]));
}

/**
 * `spec` for container groups: `verify-registry` becomes verify-container-group (going on where it went), the steps in
 * `skip` are left out (with every way into them), and a change's "Azure refused, try another way" is dropped when that
 * way is skipped (the run then stops at `failed`, resumable, and its message says what to do).
 */
export function forContainerGroups(
  spec: RunbookSpec,
  text: { summary: string; succeeded: string },
  skip: ReadonlySet<string> = new Set(),
): RunbookSpec {
  const steps: StepSpec[] = [];
  for (const step of spec.steps) {
    if (skip.has(step.id)) continue;
    if (step.id === "verify-registry" && step.type === "invoke") {
      steps.push(verifyContainerGroup(step.on.ok ?? "succeeded"));
      continue;
    }
    if (step.type === "invoke" || step.type === "input") {
      steps.push({ ...step, on: retarget(step.on, "verify-registry", VERIFY_CONTAINER_GROUP) });
    } else if (step.type === "change" && step.refused && skip.has(step.refused)) {
      const { refused: _skipped, ...rest } = step;
      steps.push(rest);
    } else steps.push(step);
  }
  return { ...spec, ...text, steps: steps.map(inGroupWords) };
}
