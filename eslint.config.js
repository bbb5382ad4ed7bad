import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".acr-cmk/**", ".ci/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.property.name=/^(purge|purgeDeletedKey|beginPurge\\w*|purgeDeleted\\w*)$/]",
          message: "acr-cmk never purges keys or vaults: recovery only.",
        },
      ],
    },
  },
  {
    files: ["src/**/*.ts", "src/**/*.tsx"],
    ignores: ["src/azure/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["@azure/*"], message: "Only src/azure may import the Azure SDK." }] }],
    },
  },
  {
    files: ["src/azure/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/cli/*", "**/cli.js"], message: "The Azure port must not depend on the CLI (shared errors live in src/errors.ts)." }] },
      ],
    },
  },
  {
    files: ["src/machines/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@azure/*", "@slack/*", "ink", "react", "node:*"], message: "A machine imports xstate and our own types only." },
            { group: ["**/runs/*", "**/tui/*", "**/slack/*", "**/cli/*"], message: "Machines sit below the engine and the drivers: they import neither." },
          ],
        },
      ],
    },
  },
  {
    files: ["scripts/**/*.js", "bin/**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly" } },
  },
);
