// The start-up budget (issue 5: first frame ≤ 400 ms) rests on what the first frame does NOT load. These tests keep
// it that way: the import graph behind the first frame, and the es-toolkit shortcut for Ink's `throttle`.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { preferProductionReact, throttleModuleUrl } from "../../src/tui/fast-start.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Runtime imports of one source file (`import type` and `export type` are erased and do not count). */
function runtimeImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const specifiers: string[] = [];
  const statement = /^\s*(?:import|export)\s+(?!type\b)(?:[^;"]*?\sfrom\s+)?"([^"]+)"/gm;
  for (const match of source.matchAll(statement)) specifiers.push(match[1]!);
  return specifiers;
}

/** Every module the given source file loads at start-up (static imports only; `import()` comes later). */
function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith(".")) {
        const base = resolve(dirname(file), specifier).replace(/\.js$/, "");
        const found = [".ts", ".tsx"].map((ext) => base + ext).find((candidate) => existsSync(candidate));
        if (!found) throw new Error(`${file}: cannot find ${specifier}`);
        visit(found);
      } else if (!specifier.startsWith("node:")) {
        packages.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);
      }
    }
  };
  visit(entry);
  return { files, packages };
}

describe("what the first frame loads", () => {
  it("the TUI entry loads Ink, React and the shell, but no screen, no @inkjs/ui and no zod", () => {
    const { files, packages } = staticGraph(join(root, "src", "tui", "app.tsx"));
    expect([...packages].sort()).toEqual(["ink", "react"]);
    const screens = [...files].filter((file) => file.includes(join("src", "tui", "screens")));
    expect(screens).toEqual([]);
    expect(files).toContain(join(root, "src", "tui", "components", "AppShell.tsx"));
  });

  it("the screens module is where the screens and @inkjs/ui come in, after the first frame", () => {
    const { files, packages } = staticGraph(join(root, "src", "tui", "screens", "index.ts"));
    expect(packages).toContain("@inkjs/ui");
    expect(files).toContain(join(root, "src", "tui", "screens", "RunScreen.tsx"));
  });

  it("the tui command loads neither zod nor the TUI until it needs them", () => {
    const { packages } = staticGraph(join(root, "src", "cli", "commands", "tui.ts"));
    for (const heavy of ["zod", "ink", "react", "@inkjs/ui", "xstate"]) expect(packages).not.toContain(heavy);
  });

  it("a source file's type-only imports do not count as loads (the scanner itself)", () => {
    expect(runtimeImports(join(root, "src", "tui", "types.ts"))).toEqual([]);
    expect(runtimeImports(join(root, "src", "tui", "app.tsx"))).toContain("ink");
  });
});

describe("Ink's throttle without es-toolkit's all-in-one index", () => {
  const inkBuild = dirname(fileURLToPath(import.meta.resolve("ink")));

  it("Ink imports nothing from es-toolkit but `throttle` from es-toolkit/compat (else the shortcut is wrong)", () => {
    const imports: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith(".js")) {
          const text = readFileSync(path, "utf8");
          for (const line of text.split("\n")) if (line.includes("es-toolkit")) imports.push(line.trim());
        }
      }
    };
    walk(inkBuild);
    expect(imports).toEqual(["import { throttle } from 'es-toolkit/compat';"]);
  });

  it("finds es-toolkit's own throttle module, the very function the index exports", async () => {
    const url = throttleModuleUrl();
    expect(url).toMatch(/^file:.*es-toolkit\/dist\/compat\/function\/throttle\.mjs$/);
    const direct = (await import(url!)) as { throttle: unknown };
    const viaIndex = (await import("es-toolkit/compat")) as { throttle: unknown };
    expect(typeof direct.throttle).toBe("function");
    expect(direct.throttle).toBe(viaIndex.throttle);
  });

  it("gives up (and Ink resolves as usual) when es-toolkit cannot be found or is laid out differently", () => {
    expect(
      throttleModuleUrl(() => {
        throw new Error("Cannot find package 'es-toolkit'");
      }),
    ).toBeUndefined();
    expect(throttleModuleUrl(() => ({ url: "file:///nowhere/es-toolkit/compat/throttle.mjs" }))).toBeUndefined();
  });

  // In a fresh Node process (the hook is process-wide): Ink loads, with and without the shortcut, and only the
  // shortcut spares the index. Node runs src/tui/fast-start.ts itself (type stripping, Node >= 22.18).
  const loadInk = (shortcut: boolean): string[] => {
    const script = `
      import module from "node:module";
      const loaded = [];
      module.registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
      if (${shortcut}) (await import(${JSON.stringify(join(root, "src", "tui", "fast-start.ts"))})).shortcutInkThrottle();
      const ink = await import("ink");
      if (typeof ink.render !== "function") throw new Error("ink did not load");
      console.log(JSON.stringify(loaded.filter((url) => url.includes("es-toolkit"))));
    `;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" });
    return JSON.parse(out.trim().split("\n").at(-1)!) as string[];
  };

  it("with the shortcut Ink loads one es-toolkit module, not the ~400 behind the index", () => {
    const without = loadInk(false);
    expect(without.some((url) => url.endsWith("/es-toolkit/dist/compat/index.mjs"))).toBe(true);
    const withShortcut = loadInk(true);
    expect(withShortcut.some((url) => url.endsWith("/es-toolkit/dist/compat/index.mjs"))).toBe(false);
    expect(withShortcut.some((url) => url.endsWith("/es-toolkit/dist/compat/function/throttle.mjs"))).toBe(true);
    expect(withShortcut.length).toBeLessThan(20);
    expect(without.length).toBeGreaterThan(100);
  });
});

describe("React's production build", () => {
  it("is chosen when NODE_ENV is unset, and a NODE_ENV someone set is left alone", () => {
    const unset: NodeJS.ProcessEnv = {};
    preferProductionReact(unset);
    expect(unset.NODE_ENV).toBe("production");
    const development: NodeJS.ProcessEnv = { NODE_ENV: "development" };
    preferProductionReact(development);
    expect(development.NODE_ENV).toBe("development");
  });
});
