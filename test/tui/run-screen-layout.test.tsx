// The run screen at 80×24 with what real runbooks produce: long resource ids and commands are shown whole (wrapped,
// scrolled if need be), the keys stay on screen, and the end of a run shows its checklist, last check and undo.
import { describe, expect, it } from "vitest";
import type { ApprovalRequest, RunView, StepView } from "../../src/runs/types.js";
import { StepDetail } from "../../src/tui/components/StepDetail.js";
import { until } from "../fixtures/until.js";
import { FakeEngine, KEYS } from "./fakes.js";
import { mountElement, mountTui, type, waitForFrame, widestLine, type Mounted } from "./harness.js";

const SCOPE =
  "/subscriptions/5d02af4f-b4ff-47fc-a1f2-84f2f298cef3/resourceGroups/rg-acr-cmk-demo/providers/Microsoft.KeyVault/vaults/kv-acr-cmk-demo";
const GRANT_AZ =
  'az role assignment create --assignee-object-id 408fee62-4aa6-446d-8472-9cc0445e704b --assignee-principal-type ServicePrincipal --role "Key Vault Crypto Service Encryption User" --scope ' +
  SCOPE;

/** The grant-access approval the key-deleted runbook asks for on an RBAC vault (from a sandbox run). */
function grantApproval(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    stepId: "recoverKey",
    title:
      "Grant identity id-acr-cmk (client id 268e66c2-7d14-4400-b11c-26808b50d637, object id 408fee62-4aa6-446d-8472-9cc0445e704b) the Key Vault Crypto Service Encryption User role on kv-acr-cmk-demo",
    resource: SCOPE,
    before: "no role assignment for this identity on the vault",
    after: "role assignment: Key Vault Crypto Service Encryption User at vault scope",
    az: GRANT_AZ,
    risk: "medium",
    irreversible: false,
    fingerprint: "fp-1",
    requester: "alice",
    requestedAt: "2026-01-01T03:00:00.000Z",
    expiresAt: "2026-01-01T03:15:00.000Z",
    ...overrides,
  };
}

/** The rows inside the approval box, without its border. */
function boxRows(frame: string): string[] {
  return frame
    .split("\n")
    .filter((line) => line.startsWith("│"))
    .map((line) => line.replace(/^│ /, "").replace(/ ?│$/, "").trimEnd());
}

/** A command read back from its wrapped rows (a split word continues without the indent). */
function commandFrom(rows: string[]): string {
  const start = rows.findIndex((row) => row.startsWith("$ "));
  let text = rows[start]!.slice(2);
  for (const row of rows.slice(start + 1)) {
    if (!row.startsWith("    ")) break;
    const piece = row.slice(4);
    if (text.endsWith(" \\")) text = `${text.slice(0, -2)} ${piece}`;
    else text += piece;
  }
  return text;
}

/** A labelled value read back from its rows (continuation rows sit under the value column). */
function valueFrom(rows: string[], label: string): string {
  const start = rows.findIndex((row) => row.startsWith(label.padEnd(9)));
  let text = rows[start]!.slice(9);
  for (const row of rows.slice(start + 1)) {
    if (!row.startsWith(" ".repeat(9))) break;
    text += (text.endsWith("/") ? "" : " ") + row.slice(9);
  }
  return text;
}

function openSeeded(view: Partial<RunView> & Pick<RunView, "id" | "status">, engine = new FakeEngine()): Mounted {
  engine.seed(view);
  return mountTui({ engine, runId: view.id });
}

function rowsOf(frame: string): number {
  return frame.replace(/\n$/, "").split("\n").length;
}

describe("an approval at 80×24", () => {
  it("shows the whole resource id and az command, wrapped, with the keys still on screen", async () => {
    const m = openSeeded({ id: "run-9", status: "awaiting-approval", approval: grantApproval() });
    const frame = await waitForFrame(m.stdout, (f) => f.includes("Approve this change?"));
    const rows = boxRows(frame);
    expect(commandFrom(rows)).toBe(GRANT_AZ);
    expect(valueFrom(rows, "resource")).toBe(SCOPE);
    expect(frame).toContain("a approve  r reject  x abort");
    expect(rowsOf(frame)).toBeLessThanOrEqual(23);
    expect(widestLine(m.stdout)).toBeLessThanOrEqual(80);
    // The log pane folds away while the approval needs the room.
    expect(frame).not.toContain("── log ──");
  });

  it("scrolls an approval taller than the screen, and takes a only once all of it was read", async () => {
    const long = `${"a role assignment with a condition that spells out every action it allows ".repeat(6)}end`;
    const engine = new FakeEngine({ risk: "low" });
    const m = openSeeded(
      { id: "run-9", status: "awaiting-approval", approval: grantApproval({ risk: "low", after: long }) },
      engine,
    );
    await waitForFrame(m.stdout, (f) => f.includes("↑↓ or j k to scroll"));
    await type(m, "a");
    await waitForFrame(m.stdout, (f) => f.includes("Read the whole change first"));
    expect(engine.callsTo("approve")).toHaveLength(0);
    for (let i = 0; i < 12; i++) await type(m, "j");
    // At the end: nothing below, and the command's last row (the scope's vault) on screen.
    const end = await waitForFrame(m.stdout, (f) => f.includes(" above ·") && !f.includes(" below "));
    expect(boxRows(end).some((row) => row.trim() === "kv-acr-cmk-demo")).toBe(true);
    await type(m, "a");
    await until("the approval", () => engine.callsTo("approve").length === 1);
  });

  it("keeps the typed registry name prompt and the keys in view for a high-risk change", async () => {
    const m = openSeeded({ id: "run-9", status: "awaiting-approval", approval: grantApproval({ risk: "high" }) });
    await waitForFrame(m.stdout, (f) => f.includes("Approve this change?"));
    await type(m, "a");
    const frame = await waitForFrame(m.stdout, (f) => f.includes("Type the registry name contosoprod"));
    expect(frame).toContain("> registry name");
    // While the field has the keyboard, the keys say what Enter and Esc do (q would be typed, not leave).
    expect(frame).toContain("Enter approve  Esc cancel  Ctrl-C leave (resumable)");
    expect(rowsOf(frame)).toBeLessThanOrEqual(23);
  });
});

const step = (id: string, title: string, kind: StepView["kind"], status: StepView["status"], evidence?: string[]) => ({
  id,
  title,
  why: "",
  kind,
  risk: "none" as const,
  status,
  ...(evidence ? { evidence } : {}),
});

describe("the end of a run at 80×24", () => {
  const UNDO = [
    "az keyvault update --name kv-acr-cmk-demo --resource-group rg-acr-cmk-demo --bypass None",
    `az role assignment delete --assignee 408fee62-4aa6-446d-8472-9cc0445e704b --role "Key Vault Crypto Service Encryption User" --scope ${SCOPE}`,
  ];
  const finished: Partial<RunView> & Pick<RunView, "id" | "status"> = {
    id: "run-5",
    status: "succeeded",
    approval: undefined,
    currentStepId: "succeeded",
    steps: [
      step("check-network", "Check the vault's network rules", "check", "done", ["defaultAction Deny, bypass None"]),
      step("approve-allow", "Approve: allow trusted services", "approval", "done"),
      step("allow", "Allow trusted Azure services", "change", "done"),
      step("verify-allow", "Verify trusted services may pass", "verify", "done", ["Vault bypass: AzureServices"]),
      step("recover-vault", "Recover the soft-deleted vault", "change", "skipped"),
      step("verify-registry", "Verify the registry reads its key", "verify", "done", [
        "registry data plane answers: content readable",
        "Key acr-cmk readable (version f715f5d6b6792d3e0eddb2559404ffc0)",
      ]),
    ],
    outcome: { summary: "Trusted Azure services pass the vault firewall.", nextSteps: ["Keep a key backup"] },
    // Oldest change first, as the engine keeps them; the screen shows the newest first.
    rollback: [UNDO[1]!, UNDO[0]!],
  };

  it("shows the finished checklist beside the outcome, the last check's evidence and every undo command whole", async () => {
    const m = openSeeded(finished);
    const frame = await waitForFrame(m.stdout, (f) => f.includes("Run recovered"));
    expect(frame).toMatch(/Steps: 5 done, 1 skipped\s+✔ Run recovered/);
    expect(frame).toMatch(/– Recover the soft-deleted vault/);
    // The outcome column, read on its own (the checklist sits left of column 33).
    const outcome = frame
      .split("\n")
      .map((line) => line.slice(33).trim())
      .join(" ");
    expect(outcome).toContain("Last check: Verify the registry reads its key");
    expect(outcome).toContain("• registry data plane answers: content readable");
    expect(outcome).toContain("• Keep a key backup");
    expect(widestLine(m.stdout)).toBeLessThanOrEqual(80);
    expect(rowsOf(frame)).toBeLessThanOrEqual(23);
    // The undo section is below the fold at 80×24: scroll to it and read the first command back whole.
    expect(frame).toContain("↑↓ or j k to scroll");
    for (let i = 0; i < 10; i++) await type(m, "j");
    const scrolled = await waitForFrame(m.stdout, (f) => f.includes("↑"));
    const right = scrolled.split("\n").map((line) => line.slice(33).trimEnd());
    expect(commandFrom(right.map((row) => row.replace(/^ {2}/, "")))).toBe(UNDO[0]);
  });

  it("prints every undo command in full when the person leaves", async () => {
    const m = openSeeded(finished);
    await waitForFrame(m.stdout, (f) => f.includes("Run recovered"));
    await type(m, KEYS.enter);
    await m.result;
    const note = m.stdout.allText();
    expect(note).toContain(`  ${UNDO[0]}\n  ${UNDO[1]}\n`);
  });
});

describe("StepDetail", () => {
  it("wraps evidence that is an id or a command, caps each line, and keeps the newest when rows run short", () => {
    const evidence = [
      "Vault kv-acr-cmk-demo exists",
      `Equivalent command: ${GRANT_AZ}`,
      "The encryption identity id-acr-cmk (client id 555077b8-5772-4b7f-935e-62c86cb83658) has key access (policy)",
    ];
    const { stdout } = mountElement(
      <StepDetail
        step={step("check-access", "Check the identity's access", "check", "done", evidence)}
        width={47}
        maxRows={9}
      />,
    );
    const rows = stdout.lastFrame().split("\n");
    expect(rows.length).toBeLessThanOrEqual(9);
    for (const row of rows) expect([...row].length).toBeLessThanOrEqual(47);
    expect(stdout.lastFrame()).toContain("Evidence (last 2 of 3):");
    expect(stdout.lastFrame()).toContain("555077b8-5772-4b7f-935e-62c86cb83658");
    // The command is longer than three rows: it is cut with an ellipsis rather than spilling over the screen.
    expect(rows.filter((row) => row.includes("…"))).toHaveLength(1);
  });
});
