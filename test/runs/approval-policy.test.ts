import { describe, expect, it } from "vitest";
import {
  approvalExpired,
  checkApproval,
  checkRejection,
  requestLapsesAt,
  typedBack,
} from "../../src/runs/approval-policy.js";
import { hasEnded, waitsForPerson } from "../../src/runs/run-status.js";
import type { ApprovalRequest } from "../../src/runs/types.js";

const request = (overrides: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  stepId: "enable-purge-protection",
  title: "Enable purge protection",
  resource: "kv-prod",
  before: "off",
  after: "on",
  az: "az keyvault update --name kv-prod --enable-purge-protection true",
  risk: "medium",
  irreversible: false,
  fingerprint: "fp-1",
  requester: "alice",
  requestedAt: "2030-01-01T00:00:00.000Z",
  expiresAt: "2030-01-01T00:15:00.000Z",
  ...overrides,
});
const now = new Date("2030-01-01T00:05:00Z");

describe("approval policy", () => {
  it("an irreversible or high-risk step needs the registry name typed back", () => {
    for (const strong of [request({ irreversible: true }), request({ risk: "high" })]) {
      expect(() =>
        checkApproval({ approvers: [] }, { request: strong, by: "bob", selfApprove: false, registry: "acrProd", now }),
      ).toThrow(expect.objectContaining({ reason: "confirmation-required" }));
      expect(() =>
        checkApproval(
          { approvers: [] },
          { request: strong, by: "bob", selfApprove: false, registry: "acrProd", now, confirmation: "acrprod2" },
        ),
      ).toThrow(/type the registry name "acrProd"/);
      expect(() =>
        checkApproval(
          { approvers: [] },
          { request: strong, by: "bob", selfApprove: false, registry: "acrProd", now, confirmation: " acrprod " },
        ),
      ).not.toThrow();
    }
  });

  it("a container group's high-risk step needs the container group's name typed back", () => {
    const group = typedBack({ subscriptionId: "sub", resourceGroup: "rg", containerGroup: "ci-web" });
    const attempt = { request: request({ risk: "high" }), by: "bob", selfApprove: false, now, ...group };
    expect(() => checkApproval({ approvers: [] }, { ...attempt, confirmation: "acrprod" })).toThrow(
      /type the container group name "ci-web"/,
    );
    expect(() => checkApproval({ approvers: [] }, { ...attempt, confirmation: "ci-web" })).not.toThrow();
  });

  it("a named approvers list binds a local --yes too: a requester not on it cannot approve their own change", () => {
    expect(() =>
      checkApproval({ approvers: ["bob"] }, { request: request(), by: "alice", selfApprove: true, registry: "r", now }),
    ).toThrow(expect.objectContaining({ reason: "not-approver", message: expect.stringMatching(/ACR_CMK_APPROVERS/) }));
  });

  it("the requester may approve only with local self-approval; listed approvers still cannot bypass expiry", () => {
    expect(() =>
      checkApproval(
        { approvers: ["bob"] },
        { request: request(), by: "alice", selfApprove: false, registry: "r", now },
      ),
    ).toThrow(expect.objectContaining({ reason: "self-approval" }));
    expect(() =>
      checkApproval({ approvers: [] }, { request: request(), by: "alice", selfApprove: true, registry: "r", now }),
    ).not.toThrow();
    expect(() =>
      checkApproval(
        { approvers: ["alice", "bob"] },
        { request: request(), by: "alice", selfApprove: true, registry: "r", now },
      ),
    ).not.toThrow();
    const late = new Date("2030-01-01T00:15:01Z");
    expect(() =>
      checkApproval(
        { approvers: ["bob"] },
        { request: request(), by: "bob", selfApprove: false, registry: "r", now: late },
      ),
    ).toThrow(expect.objectContaining({ reason: "expired" }));
  });
});

describe("rejection and expiry", () => {
  it("the requester or a named approver may reject; anyone else is refused once approvers are named", () => {
    expect(() => checkRejection({ approvers: ["carol"] }, { by: "alice", requester: "alice" })).not.toThrow();
    expect(() => checkRejection({ approvers: ["carol"] }, { by: "carol", requester: "alice" })).not.toThrow();
    expect(() => checkRejection({ approvers: [] }, { by: "bob", requester: "alice" })).not.toThrow();
    expect(() => checkRejection({ approvers: ["carol"] }, { by: "bob", requester: "alice" })).toThrow(
      expect.objectContaining({ reason: "not-approver" }),
    );
  });

  it("a request expires after its expiry, and a question without one lapses a TTL after it was asked", () => {
    expect(approvalExpired(request(), now)).toBe(false);
    expect(approvalExpired(request(), new Date("2030-01-01T00:15:00.001Z"))).toBe(true);
    expect(approvalExpired(undefined, now)).toBe(false);
    expect(requestLapsesAt(undefined, "2030-01-01T00:00:00.000Z", 60_000).toISOString()).toBe(
      "2030-01-01T00:01:00.000Z",
    );
    expect(requestLapsesAt(request(), "2030-01-01T00:00:00.000Z", 60_000).toISOString()).toBe(request().expiresAt);
  });

  it("a run stopped at an Azure error waits for a person and has not ended; a crashed one waits for nobody", () => {
    expect(hasEnded("failed")).toBe(false);
    expect(hasEnded("rejected")).toBe(true);
    const error = { step: "x", cause: "forbidden", message: "403" };
    expect(waitsForPerson({ status: "failed", error })).toBe(true);
    expect(waitsForPerson({ status: "failed", error: { ...error, cause: "internal" } })).toBe(false);
    expect(waitsForPerson({ status: "awaiting-input" })).toBe(true);
    expect(waitsForPerson({ status: "running" })).toBe(false);
  });
});
