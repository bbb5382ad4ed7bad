// How an actor talks to the CmkAzure port: every call carries the actor's abort signal, and an Azure failure is told
// apart by its typed cause (AzureFailure.kind), never by its message.

export const call = (signal: AbortSignal) => ({ abortSignal: signal });

export function isFailure(error: unknown, ...kinds: string[]): boolean {
  return !!error && typeof error === "object" && kinds.includes(String((error as { kind?: unknown }).kind));
}
