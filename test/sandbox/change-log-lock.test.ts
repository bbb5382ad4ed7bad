// A change is recorded as the request's only when the request made it: the world it is compared with is read under
// the same lock as the write, so a change another process makes meanwhile (`acr-cmk sandbox break` while
// `acr-cmk sandbox serve` answers a slow key creation) keeps its own actor and is not recorded twice.
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSandboxHandler } from "../../src/sandbox/handler.js";
import { breakWorld } from "../../src/sandbox/incidents.js";
import { createWorld, fileStore, initFileStore } from "../../src/sandbox/index.js";
import { tempDir } from "../fixtures/cli-capture.js";

let temp: ReturnType<typeof tempDir>;
let path: string;
beforeEach(() => {
  temp = tempDir();
  path = join(temp.dir, "sandbox.json");
});
afterEach(() => temp.cleanup());

describe("the change log under concurrent writers", () => {
  it("records only the request's own change when another writer changes the world while the request runs", async () => {
    initFileStore(path, createWorld());
    const served = fileStore(path);
    const handler = createSandboxHandler({ store: served });
    const vault = Object.values(served.read().vaults)[0]!;
    const request = handler.handle({
      method: "POST",
      url: `https://${vault.name}.vault.azure.net/keys/second-key/create?api-version=7.5`,
      headers: { authorization: "Bearer opaque", "content-type": "application/json" },
      body: JSON.stringify({ kty: "RSA", key_size: 2048 }),
    });
    // The key is being generated (asynchronously, outside the lock): another command breaks the registry's key now.
    fileStore(path).update((world, now) =>
      breakWorld(world, "key-disabled", now, undefined, { by: { actor: "mallory@contoso.com", client: "portal" } }),
    );
    const response = await request;
    expect(response.status).toBe(200);

    const changes = served.read().changes ?? [];
    const requestId = response.headers["x-ms-request-id"];
    const mine = changes.filter((c) => c.requestId === requestId);
    expect(mine.map((c) => [c.operation, c.resourceId.replace(/\/[0-9a-f]{32}$/, "")])).toEqual([
      ["KeyCreate", `https://${vault.name}.vault.azure.net/keys/second-key`],
    ]);
    // The disabling is recorded once, as mallory's.
    const disabled = changes.filter((c) => c.operation === "KeyUpdate");
    expect(disabled.map((c) => c.actor)).toEqual(["mallory@contoso.com"]);
  });
});
