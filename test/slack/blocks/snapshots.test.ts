// Every Block Kit message and modal the app sends, as Slack receives it: a change to any of them shows up here as a
// snapshot diff to review (`npx vitest run -u` accepts it), next to the behaviour tests beside each builder.
import { describe, expect, it } from "vitest";
import type { RunView } from "../../../src/runs/types.js";
import { renderDiagnosis } from "../../../src/slack/blocks/diagnosis.js";
import { renderHelp } from "../../../src/slack/blocks/help.js";
import { abortRunModal, confirmApprovalModal, rejectReasonModal } from "../../../src/slack/blocks/modals.js";
import { renderRunMessage } from "../../../src/slack/blocks/run-message.js";
import { renderRunsList } from "../../../src/slack/blocks/runs-list.js";
import { renderTriage } from "../../../src/slack/blocks/triage.js";
import { REPORT_KEY_DELETED, RUN_AWAITING_APPROVAL as run } from "../../fixtures/slack-views.js";

const at = (iso: string) => ({ now: new Date(iso), approvers: ["UBOB000002", "UCAROL0003"] });
const metadata = { r: run.id, s: "recover-key", f: "f00d", c: "C0INCIDENT", t: "1700000000.000100" };

describe("the run message", () => {
  const states: Array<[string, RunView, string]> = [
    ["waiting for approval", run, "2030-01-01T00:01:00Z"],
    ["approval expired", run, "2030-01-01T00:16:00Z"],
    [
      "high-risk, irreversible approval",
      { ...run, approval: { ...run.approval!, risk: "high", irreversible: true } },
      "2030-01-01T00:01:00Z",
    ],
    [
      "waiting for a choice",
      {
        ...run,
        status: "awaiting-input",
        approval: undefined,
        input: {
          stepId: "offer",
          prompt: "Turn on purge protection?",
          options: [
            { id: "enable", label: "Enable" },
            { id: "later", label: "Not now" },
          ],
        },
      },
      "2030-01-01T00:02:00Z",
    ],
    [
      "busy with a change",
      { ...run, status: "running", busy: true, approval: undefined, currentStepId: "recover-key" },
      "2030-01-01T00:02:00Z",
    ],
    [
      "stopped at an Azure error",
      {
        ...run,
        status: "failed",
        approval: undefined,
        error: { step: "recover-key", cause: "throttled", message: "Azure answered 429 after retries" },
      },
      "2030-01-01T00:03:00Z",
    ],
    [
      "succeeded",
      {
        ...run,
        status: "succeeded",
        approval: undefined,
        currentStepId: undefined,
        outcome: { summary: "The registry reads its key again.", nextSteps: ["Back up the key"] },
      },
      "2030-01-01T00:04:00Z",
    ],
    [
      "aborted",
      {
        ...run,
        status: "aborted",
        approval: undefined,
        outcome: { summary: "Aborted by UBOB000002: drill over.", nextSteps: [] },
      },
      "2030-01-01T00:04:00Z",
    ],
  ];
  it.each(states)("%s", (_name, view, now) => {
    expect(renderRunMessage(view, at(now))).toMatchSnapshot();
  });
});

describe("answers to /acr-cmk", () => {
  it("help, and help after a usage error", () => {
    expect(renderHelp({ approvalTtlMs: 15 * 60_000 })).toMatchSnapshot();
    expect(renderHelp({ error: "unknown subcommand 'recovr'", approvalTtlMs: 15 * 60_000 })).toMatchSnapshot();
  });

  it("a diagnosis with problems, and a healthy one", () => {
    expect(renderDiagnosis(REPORT_KEY_DELETED, "UALICE0001")).toMatchSnapshot();
    expect(renderDiagnosis({ ...REPORT_KEY_DELETED, healthy: true, findings: [] }, "UALICE0001")).toMatchSnapshot();
  });

  it("triage: a known cause and an unknown one", () => {
    expect(renderTriage({ cause: "key-deleted", runbook: "key-deleted", evidence: "KeyNotFound" })).toMatchSnapshot();
    expect(renderTriage({ cause: "unknown", runbook: null, evidence: "" })).toMatchSnapshot();
  });

  it("the runs list, empty and not", () => {
    expect(renderRunsList([])).toMatchSnapshot();
    expect(
      renderRunsList([
        {
          id: run.id,
          runbook: "key-deleted",
          target: run.target,
          requester: "UALICE0001",
          status: "awaiting-approval",
          startedAt: "2030-01-01T00:00:00.000Z",
          updatedAt: "2030-01-01T00:01:00.000Z",
        },
        {
          id: "20291231-230000-fedcba",
          runbook: "rotate",
          target: { subscriptionId: "sub", resourceGroup: "rg-prod", registry: "acrprod02" },
          requester: "UBOB000002",
          status: "succeeded",
          startedAt: "2029-12-31T23:00:00.000Z",
          updatedAt: "2029-12-31T23:10:00.000Z",
        },
      ]),
    ).toMatchSnapshot();
  });
});

describe("modals", () => {
  it("reject with a reason", () => {
    expect(rejectReasonModal(run.approval!, metadata)).toMatchSnapshot();
  });

  it("confirm a high-risk approval by typing the registry name", () => {
    expect(
      confirmApprovalModal({ ...run.approval!, risk: "high", irreversible: true }, run.target, metadata),
    ).toMatchSnapshot();
  });

  it("a container group's high-risk approval asks for the container group's name", () => {
    const target = { subscriptionId: "sub", resourceGroup: "rg-prod", containerGroup: "ci-web" };
    const modal = confirmApprovalModal({ ...run.approval!, risk: "high" }, target, metadata);
    expect(JSON.stringify(modal.blocks)).toContain("Type the container group name (ci-web) to approve");
  });

  it("abort a run with a reason", () => {
    expect(abortRunModal(run, { r: run.id, c: "C0INCIDENT", t: "1700000000.000100" })).toMatchSnapshot();
  });
});
