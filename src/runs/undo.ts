// The order a run's undo commands are shown in, shared by every driver.
import type { RunView } from "./types.js";

/**
 * A run's undo commands in the order to run them: the newest change first, so each command meets the state the
 * change after it left behind (context.rollback keeps them in the order the changes were made).
 */
export function undoOrder(view: Pick<RunView, "rollback">): string[] {
  return [...view.rollback].reverse();
}
