// How acr-cmk is being run here, so the commands we print can be pasted as they are: a sandbox run names its state
// file, a subscription chosen outside any flag or variable (in the TUI) is named too.
import type { CliContext } from "./context.js";

export function invocationOf(ctx: CliContext, chosenSubscription?: string): string {
  if (ctx.globals.sandbox) return `acr-cmk --sandbox ${ctx.globals.sandbox}`;
  return chosenSubscription ? `acr-cmk --subscription ${chosenSubscription}` : "acr-cmk";
}
