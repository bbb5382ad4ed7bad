// The sandbox's optional response log: off unless asked for; when on, one JSON line per ARM or Key Vault answer.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openResponseLog, RESPONSE_LOG_ENV } from "../../src/sandbox/response-log.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the sandbox response log", () => {
  it("is off when the variable is unset", () => {
    expect(openResponseLog({})).toBeUndefined();
  });

  it("appends one line per response, with the long-running-operation headers only", () => {
    const dir = mkdtempSync(join(tmpdir(), "acr-cmk-log-"));
    dirs.push(dir);
    const log = openResponseLog({ [RESPONSE_LOG_ENV]: dir });
    const entry = {
      service: "arm" as const,
      method: "PATCH",
      url: "https://management.azure.com/x",
      path: "/x",
      status: 201,
    };
    log?.(entry, {
      status: 201,
      headers: { "azure-asyncoperation": "https://poll", "x-ms-request-id": "r" },
      body: "{}",
    });
    log?.({ ...entry, status: 200 }, { status: 200, headers: {} });
    const [file] = readdirSync(dir);
    const lines = readFileSync(join(dir, file as string), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { ...entry, headers: { "azure-asyncoperation": "https://poll" } },
      { ...entry, status: 200, headers: {} },
    ]);
  });
});
