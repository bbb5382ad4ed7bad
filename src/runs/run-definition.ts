// Which form of a runbook a run follows: a container group's run follows the runbook's container-group form (only
// the key's own fixes apply to a group, whose encryption is fixed when it is deployed); other runbooks refuse it.
import type { RunbookDefinition } from "../machines/protocol.js";
import { isContainerGroupTarget } from "../machines/target.js";
import { RunRefused, type RunTarget } from "./types.js";

export { targetKind, targetName, targetPath } from "../machines/target.js";

export function formFor(definition: RunbookDefinition, target: RunTarget): RunbookDefinition {
  if (!isContainerGroupTarget(target)) return definition;
  if (definition.containerGroup) return definition.containerGroup;
  throw new RunRefused(
    `Runbook ${definition.id} does not apply to container groups: a group's encryption is fixed when it is deployed, so only the runbooks that repair its key (key-deleted, restore) can help it.`,
    "invalid-input",
  );
}
