// The audit entries the engine writes, each stamped by the engine's clock (the sandbox's own clock in a drill).
import type { AuditRecord } from "./audit-log.js";
import type { AuditChain } from "./store.js";

/** Who the engine writes as, for what nobody did by hand (a request asked, an expiry, a lock taken over). */
export const ENGINE_ACTOR = "acr-cmk";

export interface Clock {
  now(): Date;
}

export type JournalEntry = Omit<AuditRecord, "at" | "details" | "azureRequestId">;

/** Appends one audit entry; `requestId` ties it to the Azure request it reports. */
export type Journal = (entry: JournalEntry, details: Record<string, unknown>, requestId?: string) => Promise<void>;

export function journalOf(audit: AuditChain, clock: Clock): Journal {
  return async (entry, details, requestId) => {
    await audit.append({
      ...entry,
      at: clock.now().toISOString(),
      details,
      ...(requestId ? { azureRequestId: requestId } : {}),
    });
  };
}
