import { it } from "vitest";
import { createSandboxAzure } from "../../src/azure/factory.js";
import { breakWorld } from "../../src/sandbox/incidents.js";
import { createWorld } from "../../src/sandbox/scenarios.js";
import { memoryStore } from "../../src/sandbox/store.js";
it("probe", async () => {
  const store = memoryStore(createWorld({}));
  const azure = createSandboxAzure({ store });
  store.update((w, now) => breakWorld(w, "firewall-403", now));
  for (const f of [
    () => azure.listKeyVersions("https://kv-acr-cmk-demo.vault.azure.net/", "acr-cmk"),
    () => azure.getKey("https://kv-acr-cmk-demo.vault.azure.net/", "acr-cmk"),
    async () => azure.checkRegistryDataPlane(await azure.getRegistry({ resourceGroup: "rg-acr-cmk-demo", name: "acrcmkdemo" })),
  ]) {
    try { console.log(JSON.stringify(await f())); } catch (e: any) { console.log(e.kind, e.message, JSON.stringify({ ...e.details, original: undefined })); }
  }
});
