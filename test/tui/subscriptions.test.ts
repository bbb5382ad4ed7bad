// Home without a subscription from the command line: the subscriptions the person can see, the only enabled one taken
// without asking, a failed listing on screen with a way out, and back to the list from the registries.
import { describe, expect, it } from "vitest";
import type { SubscriptionChoice } from "../../src/tui/types.js";
import { FakeEngine, KEYS } from "./fakes.js";
import { mountChoosing, type, waitForFrame, widestLine } from "./harness.js";

const PROD: SubscriptionChoice = {
  subscriptionId: "11111111-1111-1111-1111-111111111111",
  displayName: "Contoso Prod",
  state: "Enabled",
};
const DEV: SubscriptionChoice = {
  subscriptionId: "22222222-2222-2222-2222-222222222222",
  displayName: "Contoso Dev",
  state: "Enabled",
};
const OLD: SubscriptionChoice = {
  subscriptionId: "33333333-3333-3333-3333-333333333333",
  displayName: "Old Trial",
  state: "Disabled",
};
const LATE: SubscriptionChoice = {
  subscriptionId: "44444444-4444-4444-4444-444444444444",
  displayName: "Late Payer",
  state: "Warned",
};

const REGISTRIES = {
  [PROD.subscriptionId]: [{ resourceGroup: "rg-prod", registry: "contosoprod" }],
  [DEV.subscriptionId]: [{ resourceGroup: "rg-dev", registry: "contosodev" }],
};

const AUTH_FAILURE = new Error(
  "list subscriptions: could not get an Azure token: DefaultAzureCredential failed to retrieve a token",
);

describe("choosing a subscription", () => {
  it("lists every subscription with name, id and state, then shows the chosen one's registries", async () => {
    const mounted = mountChoosing({ subscriptions: [[PROD, OLD, DEV, LATE]], registries: REGISTRIES });
    const list = await waitForFrame(mounted.stdout, (f) => f.includes("Which subscription?"));
    expect(list).toMatch(/❯ Contoso Dev\s+22222222-2222-2222-2222-222222222222 · Enabled/);
    expect(list).toMatch(/ {2}Contoso Prod\s+11111111-1111-1111-1111-111111111111 · Enabled/);
    expect(list).toContain("Not enabled, cannot be chosen:");
    expect(list).toMatch(/✖ Old Trial\s+33333333-3333-3333-3333-333333333333 · Disabled/);
    expect(list).toMatch(/! Late Payer\s+44444444-4444-4444-4444-444444444444 · Warned/);
    expect(mounted.connected).toEqual([]);

    await type(mounted, "j", KEYS.enter);
    const registries = await waitForFrame(mounted.stdout, (f) => f.includes("Which registry?"));
    expect(mounted.connected).toEqual([PROD.subscriptionId]);
    expect(registries).toContain(`acr-cmk · home · Contoso Prod · ${PROD.subscriptionId}`);
    expect(registries).toContain("rg-prod/contosoprod");
    expect(registries).not.toContain("rg-dev/contosodev");
    expect(widestLine(mounted.stdout)).toBeLessThanOrEqual(80);
  });

  it("never lands on a subscription that is not enabled", async () => {
    const mounted = mountChoosing({ subscriptions: [[DEV, PROD, OLD]], registries: REGISTRIES });
    await waitForFrame(mounted.stdout, (f) => f.includes("Which subscription?"));
    // Up from the first line wraps to the last one that can be chosen: Contoso Prod, not Old Trial.
    await type(mounted, "k");
    const frame = await waitForFrame(mounted.stdout, (f) => f.includes("❯ Contoso Prod"));
    expect(frame).not.toContain("❯ Old Trial");
    await type(mounted, KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Which registry?"));
    expect(mounted.connected).toEqual([PROD.subscriptionId]);
  });

  it("takes the only subscription without asking and says so on the header", async () => {
    const mounted = mountChoosing({ subscriptions: [[PROD]], registries: REGISTRIES });
    const frame = await waitForFrame(mounted.stdout, (f) => f.includes("Which registry?"));
    expect(frame).toContain("acr-cmk · home · Contoso Prod (the only subscription) · 1111");
    expect(mounted.stdout.allText()).not.toContain("Which subscription?");
    expect(mounted.connected).toEqual([PROD.subscriptionId]);
  });

  it("takes the only enabled one among disabled ones, and still shows them all on s, Esc returning", async () => {
    const mounted = mountChoosing({ subscriptions: [[OLD, PROD, LATE]], registries: REGISTRIES });
    const home = await waitForFrame(mounted.stdout, (f) => f.includes("Which registry?"));
    expect(home).toContain("Contoso Prod (the only enabled subscription)");
    expect(home).toContain("s subscriptions");

    await type(mounted, "s");
    const list = await waitForFrame(mounted.stdout, (f) => f.includes("Which subscription?"));
    expect(list).toMatch(/❯ Contoso Prod\s+11111111-1111-1111-1111-111111111111 · Enabled · current/);
    expect(list).toContain("✖ Old Trial");
    expect(list).toContain("Esc back");

    await type(mounted, KEYS.escape);
    await waitForFrame(mounted.stdout, (f) => f.includes("Which registry?"));
    expect(mounted.connected).toEqual([PROD.subscriptionId]);
    expect(mounted.listings()).toBe(1);
  });

  it("goes back from the registry list to choose another subscription, and lists that one's registries", async () => {
    const mounted = mountChoosing({ subscriptions: [[PROD, DEV]], registries: REGISTRIES });
    await waitForFrame(mounted.stdout, (f) => f.includes("Which subscription?"));
    await type(mounted, "j", KEYS.enter); // Contoso Prod
    await waitForFrame(mounted.stdout, (f) => f.includes("rg-prod/contosoprod"));

    await type(mounted, "s");
    await waitForFrame(mounted.stdout, (f) => f.includes("Which subscription?"));
    await type(mounted, KEYS.enter); // Contoso Dev, first by name
    const dev = await waitForFrame(mounted.stdout, (f) => f.includes("rg-dev/contosodev"));
    expect(dev).toContain(`Contoso Dev · ${DEV.subscriptionId}`);
    expect(dev).not.toContain("rg-prod/contosoprod");
    expect(mounted.connected).toEqual([PROD.subscriptionId, DEV.subscriptionId]);
  });

  it("says when nothing can be chosen, and how to get a subscription", async () => {
    const mounted = mountChoosing({ subscriptions: [[OLD]] });
    const frame = await waitForFrame(mounted.stdout, (f) => f.includes("None of the subscriptions"));
    expect(frame).toContain("✖ Old Trial");
    expect(frame).toContain("--subscription <id>");
    expect(frame).not.toContain("Enter choose");
    expect(mounted.connected).toEqual([]);
  });
});

describe("a failed listing", () => {
  it("shows the failure and what to do, and tries again on Enter", async () => {
    const mounted = mountChoosing({ subscriptions: [AUTH_FAILURE, [PROD, DEV]] });
    const frame = await waitForFrame(mounted.stdout, (f) => f.includes("Could not list subscriptions"));
    expect(frame.replace(/\s+/g, " ")).toContain(
      "✖ Could not list subscriptions: list subscriptions: could not get an Azure token: DefaultAzureCredential",
    );
    expect(frame).toContain("az login");
    expect(frame).toContain("Enter try again");
    await type(mounted, KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Which subscription?"));
    expect(mounted.listings()).toBe(2);
  });

  it("leaves on q", async () => {
    const m = mountChoosing({ subscriptions: [AUTH_FAILURE] });
    await waitForFrame(m.stdout, (f) => f.includes("Could not list subscriptions"));
    await type(m, "q");
    await expect(m.result).resolves.toMatchObject({ reason: "quit" });
    expect(m.connected).toEqual([]);
  });
});

describe("runs of another subscription", () => {
  it("are not offered for resuming on home, nor resumed from the runs list", async () => {
    const engine = new FakeEngine();
    // A waiting run on rg-prod/contosoprod, but in subscription 0000… (FakeEngine's own), not Contoso Prod.
    engine.seed({ id: "run-9", status: "awaiting-approval" });
    const mounted = mountChoosing({ subscriptions: [[PROD]], engine });
    await waitForFrame(mounted.stdout, (f) => f.includes("Which registry?"));
    await type(mounted, KEYS.enter); // rg-prod/contosoprod
    const report = await waitForFrame(mounted.stdout, (f) => f.includes("Start recovery"));
    expect(report).not.toContain("Resume run run-9");

    await type(mounted, "R");
    await waitForFrame(mounted.stdout, (f) => f.includes("run-9"));
    await type(mounted, KEYS.enter);
    await waitForFrame(mounted.stdout, (f) => f.includes("Audit trail"));
    await type(mounted, KEYS.enter);
    const refusal = await waitForFrame(mounted.stdout, (f) => f.includes("Run run-9 is in subscription"));
    expect(refusal.replace(/\s+/g, " ")).toContain(
      "Run run-9 is in subscription 00000000-0000-0000-0000-000000000000: choose that subscription (Esc, then s)",
    );
    expect(engine.callsTo("resume")).toEqual([]);
  });
});
