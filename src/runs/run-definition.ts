// Which form of a runbook a run follows: a container group's run follows the runbook's container-group form (only
// the key's own fixes apply to a group, whose encryption is fixed when it is deployed); other runbooks refuse it.
import type { RunbookDefinition } from "../machines/protocol.js";
import { runbooksTaking } from "../runbooks/catalogue.js";
import { isContainerGroupTarget } from "../machines/target.js";
import { RunRefused, type RunTarget } from "./types.js";

export { targetKind, targetName, targetPath } from "../machines/target.js";

export function formFor(definition: RunbookDefinition, target: RunTarget): RunbookDefinition {
  if (!isContainerGroupTarget(target)) return definition;
  const takers = runbooksTaking("container-group");
  if (!takers.includes(definition.id)) {
    throw new RunRefused(
      `Runbook ${definition.id} does not apply to container groups: a group's encryption is fixed when it is deployed, so only the runbooks that repair its key (${takers.join(", ")}) can help it.`,
      "invalid-input",
    );
  }
  // The catalogue and the machines disagree: a bug, not the user's input.
  if (!definition.containerGroup) throw new Error(`Runbook ${definition.id} has no container-group form`);
  return definition.containerGroup;
}
