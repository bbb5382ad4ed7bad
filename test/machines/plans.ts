// A change plan as a check step would hand it over, for tests that drive a machine by hand.
import type { ChangePlan } from "../../src/machines/steps.js";

export const plan = (stepId: string, extra: Partial<ChangePlan> = {}): ChangePlan => ({
  stepId,
  title: `do ${stepId}`,
  resource: "/subscriptions/sub/x",
  before: "before",
  after: "after",
  az: `az ${stepId}`,
  risk: "low",
  irreversible: false,
  fingerprint: "fp-1",
  beforeState: { was: "this" },
  rollback: `az undo ${stepId}`,
  ...extra,
});
