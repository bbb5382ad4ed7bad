// Start-up shortcuts for the terminal UI, taken before Ink and React load (issue 5: first frame ≤ 400 ms). They
// change how fast the TUI's code loads, never what it does.
import { existsSync } from "node:fs";
import module from "node:module";
import { fileURLToPath } from "node:url";

/** Where es-toolkit (1.x) keeps the module that defines `throttle`, relative to its `es-toolkit/compat/throttle`. */
const THROTTLE_MODULE = "../dist/compat/function/throttle.mjs";
const INK_BUILD = "/node_modules/ink/build/";

let hooked = false;

/** The URL of es-toolkit's own `throttle` module, or undefined when this es-toolkit is laid out differently. */
export function throttleModuleUrl(
  resolve: (specifier: string) => { url: string } = (specifier) => ({ url: import.meta.resolve(specifier) }),
): string | undefined {
  try {
    const url = new URL(THROTTLE_MODULE, resolve("es-toolkit/compat/throttle").url);
    return url.protocol === "file:" && existsSync(fileURLToPath(url)) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Ink imports `throttle` from es-toolkit's all-in-one `es-toolkit/compat` index, which loads some 400 modules: a third
 * of what the first frame loads. This resolve hook hands Ink the one module that defines that same `throttle`, and
 * touches no other import. Without `module.registerHooks` (Node < 22.15) or that module, Ink resolves as usual.
 * test/tui/fast-start.test.ts fails if an Ink upgrade imports anything else from `es-toolkit/compat`.
 */
export function shortcutInkThrottle(): void {
  if (hooked || typeof module.registerHooks !== "function") return;
  hooked = true;
  let target: string | null | undefined; // undefined: not looked up yet; null: not available
  module.registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === "es-toolkit/compat" && context.parentURL?.includes(INK_BUILD)) {
        target ??= throttleModuleUrl((s) => nextResolve(s, context)) ?? null;
        if (target) return { url: target, format: "module", shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}

/**
 * React's development build (the default without NODE_ENV) is twice the code and checks every render; a shipped
 * tool runs the production build. Set before React first loads; NODE_ENV=development still gets React's warnings.
 */
export function preferProductionReact(env: NodeJS.ProcessEnv = process.env): void {
  env.NODE_ENV ??= "production";
}

/** Everything above, once, before the TUI's first import of Ink. */
export function prepareTuiStart(): void {
  preferProductionReact();
  shortcutInkThrottle();
}
