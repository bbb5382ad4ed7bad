// Key Vault's soft delete is eventually consistent (src/sandbox/key-deletion.ts names the sources): for a while after DELETE /keys/{n} the key is in
// neither list. The sandbox answers that window as Key Vault does, and the SDK's delete poller waits through it.
import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { listAll, POLL, sandboxClients } from "./clients.js";

const WINDOW_MS = 300;

describe("a key whose deletion has not finished", () => {
  it("is neither live nor deleted, cannot be recovered or re-created, then becomes a normal soft-deleted key", async () => {
    const c = sandboxClients({ mutate: (w) => void (w.settings.keyDeletionMs = WINDOW_MS) });
    const keys = c.keys(c.vaultName);
    const poller = await keys.beginDeleteKey(c.keyName, POLL);

    await expect(keys.getKey(c.keyName)).rejects.toMatchObject({ statusCode: 404, code: "KeyNotFound" });
    await expect(keys.getDeletedKey(c.keyName)).rejects.toMatchObject({
      statusCode: 404,
      code: "KeyNotFound",
      message: `Deleted Key not found: ${c.keyName}`,
    });
    expect(await listAll(keys.listDeletedKeys())).toEqual([]);
    const recover = await keys.beginRecoverDeletedKey(c.keyName, POLL).catch((e: unknown) => e);
    expect(recover).toMatchObject({ statusCode: 404, code: "KeyNotFound" });
    const create = await keys.createRsaKey(c.keyName).catch((e: unknown) => e);
    expect(create).toBeInstanceOf(RestError);
    expect(create).toMatchObject({
      statusCode: 409,
      message: `Key ${c.keyName} is currently being deleted and cannot be re-created; retry later.`,
    });

    // The SDK's poller keeps polling GET /deletedkeys/{n} through the 404s and completes once the record appears.
    const deleted = await poller.pollUntilDone();
    expect(deleted.properties.recoveryId).toBe(`https://${c.vaultName}.vault.azure.net/deletedkeys/${c.keyName}`);
    expect((await listAll(keys.listDeletedKeys())).map((k) => k.name)).toEqual([c.keyName]);
    await expect(keys.createRsaKey(c.keyName)).rejects.toMatchObject({
      statusCode: 409,
      message: expect.stringMatching(/deleted but recoverable state/),
    });
    const recovered = await (await keys.beginRecoverDeletedKey(c.keyName, POLL)).pollUntilDone();
    expect(recovered.name).toBe(c.keyName);
  });

  it("follows the sandbox clock: `sandbox advance` past the window finishes the deletion", async () => {
    const c = sandboxClients({ mutate: (w) => void (w.settings.keyDeletionMs = 60 * 60_000) });
    const keys = c.keys(c.vaultName);
    await keys.beginDeleteKey(c.keyName, POLL);
    await expect(keys.getDeletedKey(c.keyName)).rejects.toMatchObject({ statusCode: 404 });
    c.store.update((w) => void (w.clock.offsetMs += 60 * 60_000));
    expect((await keys.getDeletedKey(c.keyName)).name).toBe(c.keyName);
  });
});
