import { afterAll, beforeAll } from "vitest";
import { openAzureBackend } from "../../../src/runs/azure-store/index.js";
import { startAzurite, type Azurite } from "../../fixtures/azurite.js";
import { storeContract } from "../fixtures/store-contract.js";

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite.dispose();
});

storeContract("Azure Storage (Azurite)", () => {
  const store = azurite.freshStore();
  return { open: () => openAzureBackend(store) };
});
