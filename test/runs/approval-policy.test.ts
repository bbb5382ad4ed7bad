import { describe, expect, it } from "vitest";
import { checkApproval } from "../../src/runs/approval-policy.js";
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
