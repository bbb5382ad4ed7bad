// Every `az` line acr-cmk shows (the runbooks' static steps, as in `runbooks show`, dry runs and the docs) pastes into
// a POSIX shell as one command: `az …`, then at most a shell comment naming alternatives. No parentheses, pipes or
// chains that a shell would read as syntax.
import { describe, expect, it } from "vitest";
import { RUNBOOKS } from "../../src/machines/index.js";
import { shellWords } from "./az-rest-equivalents.js";

const lines = Object.values(RUNBOOKS).flatMap((r) =>
  r.spec.steps.flatMap((step) => {
    const forms = [step.meta.az, step.azByAccess?.policy, step.azByAccess?.rbac].filter((az) => az !== undefined);
    return forms.map((az) => [`${r.spec.id}/${step.id}`, az] as const);
  }),
);

describe("the az commands acr-cmk prints", () => {
  it("are many (every runbook shows them)", () => {
    expect(lines.length).toBeGreaterThan(40);
  });

  it.each(lines)("%s pastes as one command", (_step, az) => {
    const command = az.split(/\s+#\s/)[0] ?? "";
    const words = shellWords(command);
    expect(words[0]).toBe("az");
    // <placeholders> are filled before a run shows the line; anything else shell-special would break the paste.
    for (const word of words) expect(word.replace(/<[a-z-]+>/g, "x"), az).not.toMatch(/[()|;&<>`$]/);
  });
});
