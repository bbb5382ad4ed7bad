import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { openSqliteBackend } from "../../src/runs/sqlite-store.js";
import { storeContract } from "./fixtures/store-contract.js";

const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

storeContract("node:sqlite in ACR_CMK_HOME", () => {
  const home = mkdtempSync(join(tmpdir(), "acr-cmk-store-"));
  homes.push(home);
  return { open: () => openSqliteBackend(home) };
});
