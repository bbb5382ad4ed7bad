// Two things wrong at once, through the real SDK clients against the sandbox: each runbook fixes its own part and is
// honest about the rest instead of sending the engineer to Azure Support for a key that is simply disabled.
import { describe, expect, it } from "vitest";
import { RUNBOOKS } from "../../src/machines/index.js";
import { OPERATOR_CLIENT_ADDRESS } from "../../src/sandbox/http/keyvault-gate.js";
import { autoRun, groundTruth, sandbox, startRun } from "./harness.js";

describe("restore on a key version that is both disabled and expired", () => {
  it("enables it, then extends it, and the registry reads again", async () => {
    const sb = sandbox({}, ["key-disabled", "key-expired"]);
    const run = startRun(RUNBOOKS.restore, sb.azure, sb.target);
    const end = await autoRun(run);
    expect(String(end.value), end.context.lastError?.message).toBe("succeeded");
    expect(run.visited).toEqual(expect.arrayContaining(["enable-key", "verify-enable-key", "extend-key"]));
    expect(groundTruth(sb).healthy).toBe(true);
  });
});

describe("firewall-403 when the key itself is the other problem", () => {
  it("says the key is disabled (restore's fix) when acr-cmk can read it", async () => {
    const sb = sandbox({}, ["firewall-403", "key-disabled"]);
    // The operator's address is allowed through the vault firewall: acr-cmk sees the key, the registry does not.
    sb.store.update((w) => {
      for (const vault of Object.values(w.vaults)) vault.networkAcls.ipRules.push(`${OPERATOR_CLIENT_ADDRESS}/32`);
    });
    const end = await autoRun(startRun(RUNBOOKS["firewall-403"], sb.azure, sb.target));
    expect(String(end.value)).toBe("escalated");
    expect(end.context.outcome?.summary).toMatch(
      /is disabled: the registry cannot use it\. That is the restore runbook's fix/,
    );
    expect(end.context.outcome?.nextSteps[0]).toMatch(/^Run: acr-cmk recover -g /);
  });

  it("tells the engineer to rule out the key first when the firewall hides it from acr-cmk too", async () => {
    const sb = sandbox({}, ["firewall-403", "key-disabled"]);
    const end = await autoRun(startRun(RUNBOOKS["firewall-403"], sb.azure, sb.target));
    expect(String(end.value)).toBe("escalated");
    expect(end.context.evidence["verify-reconfigure-key"]).toContainEqual(
      expect.stringContaining("403 ForbiddenByFirewall"),
    );
    expect(end.context.outcome?.nextSteps[0]).toMatch(/^First rule out the key: .*az keyvault key show --vault-name /);
  });
});
