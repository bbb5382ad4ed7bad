// The rules of docs/architecture.md as lint enforces them (eslint.config.js): each rule is shown firing on a file that
// breaks it, and staying quiet on one that keeps it, so a rule that stops matching fails here.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: new URL("..", import.meta.url).pathname });

/** The rule ids lint reports for `code` as if it were the file at `filePath`. */
async function rulesFiring(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`);
}

const RESTRICTED = "no-restricted-imports";
const TS_RESTRICTED = "@typescript-eslint/no-restricted-imports";

describe("drivers never import the Azure SDK", () => {
  it.each([
    "src/cli/commands/example.ts",
    "src/tui/screens/Example.tsx",
    "src/slack/listeners/example.ts",
    "src/cli.ts",
  ])("%s", async (file) => {
    expect(await rulesFiring(file, 'import "@azure/identity";\n')).toEqual([RESTRICTED]);
    expect(await rulesFiring(file, 'import "../runs/types.js";\n')).toEqual([]);
  });

  it("only src/azure may", async () => {
    expect(await rulesFiring("src/azure/example.ts", 'import "@azure/identity";\n')).toEqual([]);
  });
});

describe("src/azure never imports the sandbox, the engine, the machines or a driver", () => {
  it.each([
    "../sandbox/handler.js",
    "../sandbox/index.js",
    "../runs/engine.js",
    "../machines/index.js",
    "../cli/wiring.js",
  ])("%s", async (target) => {
    expect(await rulesFiring("src/azure/example.ts", `import "${target}";\n`)).toEqual([RESTRICTED]);
  });

  it("its own modules and the shared errors are fine", async () => {
    expect(
      await rulesFiring("src/azure/port/example.ts", 'import "../sandbox-transport.js";\nimport "../../errors.js";\n'),
    ).toEqual([]);
  });
});

describe("the sandbox never imports the engine, the machines or a driver", () => {
  it.each([
    "../runs/engine.js",
    "../machines/index.js",
    "../cli/wiring.js",
    "../tui/app.js",
    "../slack/app.js",
    "@azure/core-rest-pipeline",
  ])("%s", async (target) => {
    expect(await rulesFiring("src/sandbox/example.ts", `import "${target}";\n`)).toEqual([RESTRICTED]);
  });

  it("its own modules are fine", async () => {
    expect(
      await rulesFiring("src/sandbox/http/example.ts", 'import "../world.js";\nimport "../../errors.js";\n'),
    ).toEqual([]);
  });
});

describe("the TUI and the Slack app are handed their Azure port", () => {
  it.each(["src/tui/example.ts", "src/slack/example.ts"])("%s never builds one", async (file) => {
    expect(await rulesFiring(file, 'import "../sandbox/index.js";\n')).toEqual([RESTRICTED]);
    expect(await rulesFiring(file, 'import "../azure/factory.js";\n')).toEqual([RESTRICTED]);
    expect(
      await rulesFiring(file, 'import type { CmkAzure } from "../azure/types.js";\nexport type Port = CmkAzure;\n'),
    ).toEqual([]);
  });
});

describe("machine files import xstate and our own types only, and read no clock", () => {
  it("a package other than xstate", async () => {
    expect(await rulesFiring("src/machines/example.ts", 'import "zod";\n')).toEqual([TS_RESTRICTED]);
  });

  it("the Azure port itself rather than its types", async () => {
    expect(
      await rulesFiring(
        "src/machines/example.ts",
        'import { parseKeyId } from "../azure/ids.js";\nexport const p = parseKeyId;\n',
      ),
    ).toEqual([TS_RESTRICTED]);
  });

  it("the engine or the sandbox", async () => {
    expect(await rulesFiring("src/machines/example.ts", 'import "../runs/engine.js";\n')).toEqual([TS_RESTRICTED]);
    expect(await rulesFiring("src/machines/example.ts", 'import "../sandbox/index.js";\n')).toEqual([TS_RESTRICTED]);
  });

  it("the wall clock", async () => {
    expect(await rulesFiring("src/machines/example.ts", "export const t = Date.now();\n")).toEqual([
      "no-restricted-syntax",
    ]);
    expect(await rulesFiring("src/machines/example.ts", "export const t = new Date();\n")).toEqual([
      "no-restricted-syntax",
    ]);
  });

  it("xstate and the port's types are fine", async () => {
    const code =
      'import { setup } from "xstate";\nimport type { CmkAzure } from "../azure/types.js";\nexport const m = setup({});\nexport type P = CmkAzure;\n';
    expect(await rulesFiring("src/machines/example.ts", code)).toEqual([]);
  });
});

describe("no source file over 400 lines", () => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `export const v${i} = ${i};`).join("\n") + "\n";

  it.each([
    "src/diagnosis/example.ts",
    "src/tui/components/Example.tsx",
    "src/sandbox/http/example.ts",
    "src/cli/example.ts",
  ])("%s", async (file) => {
    expect(await rulesFiring(file, lines(401))).toEqual(["max-lines"]);
    expect(await rulesFiring(file, lines(400))).toEqual([]);
  });

  it("blank lines and comments count too", async () => {
    expect(await rulesFiring("src/runs/example.ts", lines(300) + "\n".repeat(50) + "// note\n".repeat(51))).toEqual([
      "max-lines",
    ]);
  });

  it("with no exceptions, the files once split by responsibility included", async () => {
    expect(await rulesFiring("src/sandbox/http/keys.ts", lines(401))).toEqual(["max-lines"]);
    expect(await rulesFiring("src/runs/engine.ts", lines(401))).toEqual(["max-lines"]);
  });
});
