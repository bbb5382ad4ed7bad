// What the run says when soft delete kept nothing: the key (or its vault) was purged, the registry's data cannot be
// decrypted by anyone, and what is left to do.
import { AZ, fillAz } from "../az.js";
import type { StepInput } from "../steps.js";
import { isContainerGroupTarget, targetArgs, targetName } from "../target.js";

/** The final outcome of a purge: the registry's content is lost unless a key backup exists. */
export const unrecoverable = (what: string, input: StepInput, name: string, finding = `was purged`) =>
  isContainerGroupTarget(input.target)
    ? {
        // A group keeps no data of its own across a redeploy: a new key is the way back.
        summary: `The ${what} '${name}' ${finding}. Container group ${targetName(input.target)} was deployed with that key and can never read it again.`,
        nextSteps: [
          `If a key backup exists: ${fillAz(AZ.restoreKeyBackup, input.target, input.facts)} (into a vault in the same subscription and geography), then run ${input.invocation} recover ${targetArgs(input.target)} again.`,
          `Otherwise redeploy the group with a new key: ${input.invocation} diagnose ${targetArgs(input.target)} gives the az container create shape.`,
        ],
      }
    : registryUnrecoverable(what, input, name, finding);

const registryUnrecoverable = (what: string, input: StepInput, name: string, finding: string) => ({
  summary: `The ${what} '${name}' ${finding}. Registry ${targetName(input.target)}'s content is encrypted with that key and cannot be decrypted by anyone: the data is lost unless a backup of the key exists.`,
  nextSteps: [
    "Open an Azure support request (severity A) quoting the registry id and the purged key id; Microsoft can confirm the purge but cannot bring the key back.",
    `If a key backup exists: ${fillAz(AZ.restoreKeyBackup, input.target, input.facts)} (into a vault in the same subscription and geography), then run ${input.invocation} recover again.`,
    "Otherwise rebuild the registry: create a new registry (with CMK and purge protection on) and push the images again from their source (CI pipelines, upstream registries).",
  ],
});
