// The runbook walks that, together, pass every change step of every runbook (and each access model's form of it).
import type { World } from "../../src/sandbox/index.js";
import { keyInUse, setOperatorKeyUpdate, spareIdentity } from "../machines/world-changes.js";
import type { WalkCase } from "./runbook-walks.js";

const DAY = 86_400_000;

/** A spare user-assigned identity, not yet assigned: where identity-removed moves encryption to. */
function withSpareIdentity(w: World): void {
  spareIdentity(w);
}

/** identity-removed's other path: move encryption to the spare identity. */
const MOVE_TO_SPARE: WalkCase["choices"] = {
  "keep-or-move": "move",
  "choose-target-identity": (s) =>
    String(s.context.pendingInput?.options.find((o) => /spare/.test(o.label) || /spare/.test(o.id))?.id),
};

export const WALKS: WalkCase[] = [
  { name: "key-deleted: vault deleted (access policy)", runbook: "key-deleted", incidents: ["vault-deleted"] },
  {
    name: "key-deleted: vault deleted (RBAC)",
    runbook: "key-deleted",
    scenario: { access: "rbac" },
    incidents: ["vault-deleted"],
  },
  {
    name: "key-deleted: key deleted, access revoked, no purge protection",
    runbook: "key-deleted",
    scenario: { scenario: "no-purge-protection" },
    incidents: ["access-revoked", "key-deleted"],
    choices: { "offer-purge-protection": "enable" },
  },
  { name: "identity-removed: re-assign", runbook: "identity-removed", incidents: ["identity-removed"] },
  {
    name: "identity-removed: move to another identity",
    runbook: "identity-removed",
    incidents: ["identity-removed"],
    before: withSpareIdentity,
    choices: MOVE_TO_SPARE,
  },
  {
    name: "identity-removed: move to another identity (RBAC)",
    runbook: "identity-removed",
    scenario: { access: "rbac" },
    incidents: ["identity-removed"],
    before: withSpareIdentity,
    choices: MOVE_TO_SPARE,
    steps: ["grant-target-access"],
  },
  { name: "firewall-403", runbook: "firewall-403", incidents: ["firewall-403"] },
  { name: "revoke: access policy", runbook: "revoke", choices: { "choose-method": "access-policy" } },
  {
    name: "revoke: role assignment",
    runbook: "revoke",
    scenario: { access: "rbac" },
    choices: { "choose-method": "role-assignment" },
    steps: ["revoke-access"],
  },
  {
    name: "revoke: disable key",
    runbook: "revoke",
    choices: { "choose-method": "disable-key" },
    steps: ["revoke-access"],
  },
  { name: "restore: access revoked", runbook: "restore", incidents: ["access-revoked"] },
  {
    name: "restore: access revoked (RBAC)",
    runbook: "restore",
    scenario: { access: "rbac" },
    incidents: ["access-revoked"],
  },
  { name: "restore: key disabled", runbook: "restore", incidents: ["key-disabled"] },
  {
    name: "restore: key expired",
    runbook: "restore",
    before: (w, now) => void (keyInUse(w).version.exp = new Date(now.getTime() - DAY).toISOString()),
  },
  {
    name: "restore: Key Vault refuses the extension (new version instead)",
    runbook: "restore",
    scenario: { keyVersion: "pinned" },
    before: (w, now) => {
      keyInUse(w).version.exp = new Date(now.getTime() - DAY).toISOString();
      setOperatorKeyUpdate(w, false);
    },
    refused: ["extend-key"],
  },
  { name: "rotate: automatic", runbook: "rotate" },
  { name: "rotate: pinned", runbook: "rotate", scenario: { keyVersion: "pinned" } },
];
