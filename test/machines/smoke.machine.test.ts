import { describe, expect, it } from "vitest";
import { RUNBOOKS } from "../../src/machines/index.js";
import { autoRun, sandbox, startRun } from "./harness.js";

describe("smoke", () => {
  for (const [runbook, incidents, opts] of [
    ["key-deleted", ["vault-deleted"], { access: "rbac" }],
    ["key-deleted", ["key-deleted"], {}],
    ["identity-removed", ["identity-removed"], {}],
    ["firewall-403", ["firewall-403"], {}],
    ["restore", ["access-revoked"], {}],
    ["revoke", [], {}],
    ["rotate", [], {}],
    ["rotate", [], { keyVersion: "pinned" }],
  ] as const) {
    it(`${runbook} ${incidents.join(",")}`, async () => {
      const sb = sandbox(opts as never, [...incidents]);
      const run = startRun(RUNBOOKS[runbook], sb.azure, sb.target);
      const end = await autoRun(run, { "choose-method": "access-policy" });
      console.log(runbook, run.visited.join(" > "), end.context.lastError, end.context.outcome);
      expect(sb.world().counters.purgeRequests).toBe(0);
    });
  }
});
