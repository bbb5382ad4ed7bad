// Reads that failed for reasons that say nothing about the registry (your own rights, an odd answer): name what went unchecked.
import type { ReadFailure } from "../types.js";
import type { Read } from "../snapshot.js";
import { failureEvidence, vaultState, type Rule } from "./context.js";

/** Failures other rules read as evidence; everything else is a gap in the diagnosis. */
const EVIDENTIAL: ReadonlySet<ReadFailure["kind"]> = new Set(["key-not-found", "forbidden-by-firewall"]);

export const coverageRules: Rule = (s) => {
  const vaultGone = ["soft-deleted", "gone"].includes(vaultState(s));
  // Behind a vault firewall every data-plane read fails alike (the versions list may surface it as a bare 403).
  const firewalled = s.key?.ok === false && s.key.error.kind === "forbidden-by-firewall";
  const reads: Array<[string, Read<unknown> | undefined]> = [
    ["vault", s.vault],
    ["deleted vault", s.deletedVault],
    ["deleted key", s.deletedKey],
    ...(vaultGone || firewalled
      ? []
      : ([
          ["key", s.key],
          // When the key read itself failed, that failure speaks for the versions list too.
          ["key versions", s.key?.ok ? s.keyVersions : undefined],
        ] as Array<[string, Read<unknown> | undefined]>)),
    ...(s.identity?.kind === "user"
      ? ([
          [
            "identity",
            s.identity.resource?.ok === false && s.identity.resource.error.kind === "not-found"
              ? undefined
              : s.identity.resource,
          ],
          ["identity lookup", s.identity.unassignedMatch],
        ] as Array<[string, Read<unknown> | undefined]>)
      : []),
  ];
  const gaps = reads.flatMap(([what, read]) =>
    read && !read.ok && !EVIDENTIAL.has(read.error.kind) ? [{ what, error: read.error }] : [],
  );
  if (gaps.length === 0) return [];
  return [
    {
      id: "CHECK_INCOMPLETE",
      severity: "warning",
      title: `Some checks could not be made: ${gaps.map((g) => g.what).join(", ")}`,
      detail:
        `Azure refused or failed these reads, so the findings may be incomplete: ` +
        gaps.map((g) => `${g.what}: ${g.error.message}`).join("; ") +
        `. Your account needs Reader on the registry, vault and identity, and key get/list on the vault.`,
      evidence: Object.fromEntries(gaps.map((g) => [g.what, failureEvidence(g.error)])),
      runbook: null,
    },
  ];
};
