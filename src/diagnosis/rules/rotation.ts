// Key versions: pinned (manual rotation), a newer version not applied, automatic rotation that has stalled.
import type { Finding } from "../types.js";
import { runbookCommand, sameId, type Rule } from "./context.js";
import { versionInUse } from "./key.js";

/** Docs: a registry with a versionless key id moves to a new key version "within 1 hour". */
export const AUTO_ROTATION_PICKUP_MS = 60 * 60 * 1000;

export const rotationRules: Rule = (s, ctx) => {
  const ref = s.keyRef;
  const key = s.key?.ok ? s.key.value : undefined;
  if (!ref || !key) return [];
  const findings: Finding[] = [];
  const manual = ref.version !== undefined;
  const rotate = { runbook: "rotate" as const, command: runbookCommand(s, ctx, "rotate") };

  if (manual) {
    findings.push({
      id: "ROTATION_MANUAL",
      severity: "info",
      title: `The registry is pinned to key version ${ref.version} (manual rotation)`,
      detail:
        `New key versions are not picked up automatically; every rotation needs az acr encryption rotate-key. Rotate to the ` +
        `versionless key id to let ACR follow new versions within an hour.`,
      evidence: { field: "encryption.keyVaultProperties.keyIdentifier", value: s.registry.encryption.keyIdentifier },
      ...rotate,
    });
  }

  const inUse = versionInUse(s);
  // The newest enabled version is what a rotation would move to; a disabled newest version is not a candidate.
  if (!inUse || sameId(inUse.version, key.version) || !key.enabled) return findings;
  const newerSince = key.createdOn ?? key.updatedOn;
  if (newerSince && inUse.createdOn && Date.parse(newerSince) <= Date.parse(inUse.createdOn)) return findings;
  const ageMs = newerSince ? Date.parse(s.now) - Date.parse(newerSince) : Number.POSITIVE_INFINITY;
  const evidence = {
    versionInUse: inUse.version,
    latestVersion: key.version,
    latestCreatedOn: newerSince ?? null,
    rotation: manual ? "manual" : "automatic",
  };

  if (manual) {
    findings.push({
      id: "NEWER_KEY_VERSION_NOT_APPLIED",
      severity: "warning",
      title: `A newer key version (${key.version}) exists but the registry still uses ${inUse.version}`,
      detail: `The registry is pinned, so it will not move by itself. Rotate it to the new version (or to the versionless key id).`,
      evidence,
      ...rotate,
    });
  } else if (ageMs > AUTO_ROTATION_PICKUP_MS) {
    findings.push({
      id: "NEWER_KEY_VERSION_NOT_APPLIED",
      severity: "warning",
      title: `Automatic rotation has not picked up key version ${key.version} after more than an hour`,
      detail:
        `ACR normally moves to a new version within an hour. When it does not, the identity's access or the vault firewall ` +
        `usually blocks it; fix those, or rotate by hand.`,
      evidence,
      ...rotate,
    });
  } else {
    findings.push({
      id: "ROTATION_PENDING",
      severity: "info",
      title: `Key version ${key.version} is new; the registry should pick it up within the hour`,
      detail: `Automatic rotation is on; nothing to do unless it is still pending an hour after the version was created.`,
      evidence,
      runbook: null,
    });
  }
  return findings;
};
