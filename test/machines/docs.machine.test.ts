// The generated runbook docs and `acr-cmk runbooks`: both read from the machines, so neither can drift.
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { RUNBOOKS } from "../../src/machines/index.js";
import { runbookMarkdown } from "../../src/machines/docs.js";
import { toMermaid } from "../../src/machines/mermaid.js";

describe("docs/runbooks", () => {
  it.each(Object.keys(RUNBOOKS))("docs/runbooks/%s.md is up to date (run `npm run build && npm run docs`)", (id) => {
    const definition = RUNBOOKS[id as keyof typeof RUNBOOKS];
    const file = new URL(`../../docs/runbooks/${id}.md`, import.meta.url);
    expect(readFileSync(file, "utf8")).toBe(runbookMarkdown(definition));
  });

  it("draws every state and every step's title in the diagram", () => {
    for (const definition of Object.values(RUNBOOKS)) {
      const diagram = toMermaid(definition.machine);
      expect(diagram.startsWith("stateDiagram-v2\n")).toBe(true);
      for (const step of definition.steps) expect(diagram).toContain(`as ${step.id.replace(/-/g, "_")}`);
      expect(diagram).toContain(`[*] --> ${definition.steps[0]?.id.replace(/-/g, "_")}`);
    }
  });
});

async function cli(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += String(d)));
  stderr.on("data", (d) => (err += String(d)));
  const code = await main(argv, {
    env: { ACR_CMK_HOME: "/nonexistent-acr-cmk-home" },
    stdout,
    stderr,
    stdin: new PassThrough(),
  });
  return { code, out, err };
}

describe("acr-cmk runbooks", () => {
  it("lists every runbook with its title and summary", async () => {
    const { code, out } = await cli(["runbooks"]);
    expect(code).toBe(0);
    for (const r of Object.values(RUNBOOKS)) {
      expect(out).toContain(r.id);
      expect(out).toContain(r.title);
    }
  });

  it("prints exactly one JSON document with --output json", async () => {
    const { code, out } = await cli(["runbooks", "--output", "json"]);
    expect(code).toBe(0);
    const doc = JSON.parse(out) as { runbooks: Array<{ id: string; title: string; summary: string }> };
    expect(doc.runbooks.map((r) => r.id)).toEqual(Object.keys(RUNBOOKS));
  });

  it("shows a runbook's steps with their Azure CLI equivalents", async () => {
    const { code, out } = await cli(["runbooks", "show", "key-deleted"]);
    expect(code).toBe(0);
    expect(out).toContain("Recover the soft-deleted key vault");
    expect(out).toContain("az keyvault key recover --vault-name <vault-name> --name <key-name>");
    expect(out).toContain("irreversible");
  });

  it("prints the Mermaid source with --format mermaid", async () => {
    const { code, out } = await cli(["runbooks", "show", "rotate", "--format", "mermaid"]);
    expect(code).toBe(0);
    expect(out.trim()).toBe(toMermaid(RUNBOOKS.rotate.machine));
  });

  it("answers an unknown runbook with exit 2 and the valid ids, no stack trace", async () => {
    const { code, out, err } = await cli(["runbooks", "show", "nope"]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain(
      'unknown runbook "nope": expected one of key-deleted, identity-removed, firewall-403, revoke, restore, rotate',
    );
    expect(err).not.toMatch(/\n\s+at /);
  });

  it("refuses an unknown format with exit 2", async () => {
    const { code } = await cli(["runbooks", "show", "rotate", "--format", "svg"]);
    expect(code).toBe(2);
  });
});
