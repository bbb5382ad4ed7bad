import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

const NO_PURGE = {
  selector: "CallExpression[callee.property.name=/^(purge|purgeDeletedKey|beginPurge\\w*|purgeDeleted\\w*)$/]",
  message: "acr-cmk never purges keys or vaults: recovery only.",
};

const AZURE_SDK = { group: ["@azure/*"], message: "Only src/azure may import the Azure SDK." };

/** The drivers: the command line (and its entry point), the terminal UI, the Slack app. */
const DRIVERS = ["**/cli/**", "**/cli.js", "**/tui/**", "**/slack/**"];

const ABOVE_THE_MACHINES = {
  group: ["**/runs/**", ...DRIVERS, "**/sandbox/**"],
  message: "Machines sit below the engine, the drivers and the sandbox: they import none of them.",
};

const MAX_LINES = 400;

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".acr-cmk/**", ".ci/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-restricted-syntax": ["error", NO_PURGE],
    },
  },
  {
    files: ["src/**/*.ts", "src/**/*.tsx"],
    ignores: ["src/azure/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [AZURE_SDK] }],
    },
  },
  // The Azure port sits below everything but the SDK: it never loads the simulator (an in-process transport takes any
  // `{ handle(request) }`; src/cli/wiring.ts hands it the sandbox), nor the engine, the machines or a driver.
  {
    files: ["src/azure/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/sandbox/**"],
              message:
                "src/azure never imports the sandbox: the CLI's composition root (src/cli/wiring.ts) wires it in.",
            },
            {
              group: [...DRIVERS, "**/runs/**", "**/machines/**", "**/diagnosis/**"],
              message:
                "The Azure port depends on the SDK and src/errors.ts only (shared errors live in src/errors.ts).",
            },
          ],
        },
      ],
    },
  },
  // The simulated Azure answers as Azure does and knows nothing of what uses it.
  {
    files: ["src/sandbox/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            AZURE_SDK,
            {
              group: [...DRIVERS, "**/runs/**", "**/machines/**"],
              message: "The sandbox never imports the engine, the machines or a driver.",
            },
          ],
        },
      ],
    },
  },
  // The terminal UI and the Slack app get their Azure port, engine and diagnosis handed in by the CLI (wiring.ts).
  {
    files: ["src/tui/**/*.ts", "src/tui/**/*.tsx", "src/slack/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            AZURE_SDK,
            {
              group: ["**/sandbox/**", "**/azure/factory.js", "**/azure/index.js"],
              message:
                "The TUI and the Slack app are handed their Azure port by src/cli/wiring.ts; they never build one.",
            },
          ],
        },
      ],
    },
  },
  // Machine files describe the process and nothing else: xstate, their own modules, the runbook catalogue (pure data,
  // imports nothing), and only the types of the Azure port and the diagnosis. Every effect, the clock included, comes
  // in from outside (actors, RunClock).
  {
    files: ["src/machines/**/*.ts"],
    ignores: ["src/machines/actors/**"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "^(?!xstate$)[^.]", message: "A machine imports xstate and our own modules only." },
            {
              group: ["**/azure/**", "**/diagnosis/**"],
              allowTypeImports: true,
              message:
                "A machine imports only the types of the Azure port and the diagnosis; effects come in as actors.",
            },
            ABOVE_THE_MACHINES,
          ],
        },
      ],
      "no-restricted-syntax": [
        "error",
        NO_PURGE,
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: "A machine reads the time from the run's clock (RunClock), never Date.now().",
        },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: "A machine reads the time from the run's clock (RunClock), never new Date().",
        },
      ],
    },
  },
  // Actors are the side-effect builders: they act only through the CmkAzure port they are handed (its types, never an
  // SDK or another package), and may use the diagnosis (the missing-key look) and the catalogue.
  {
    files: ["src/machines/actors/**/*.ts"],
    rules: {
      "no-restricted-imports": "off",
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "^[^.]", message: "An actor works through the CmkAzure port it is given: no package imports." },
            {
              group: ["**/azure/**"],
              allowTypeImports: true,
              message: "An actor imports the CmkAzure port's types only; the port itself is handed to it.",
            },
            ABOVE_THE_MACHINES,
          ],
        },
      ],
    },
  },
  // The catalogue sits below every room, so everything may read it: it imports nothing.
  {
    files: ["src/runbooks/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: ".", message: "The runbook catalogue imports nothing." }] },
      ],
    },
  },
  // The diagnosis is read by the machines, the engine and the drivers; it imports none of them.
  {
    files: ["src/diagnosis/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            AZURE_SDK,
            {
              group: ["**/machines/**", "**/runs/**", ...DRIVERS, "**/sandbox/**"],
              message: "The diagnosis sits below the machines, the engine and the drivers: it imports none of them.",
            },
          ],
        },
      ],
    },
  },
  // No room over 400 lines, counted as the file has them (blank lines and comments included, as `wc -l` counts).
  {
    files: ["src/**/*.ts", "src/**/*.tsx"],
    rules: { "max-lines": ["error", { max: MAX_LINES, skipBlankLines: false, skipComments: false }] },
  },
  {
    files: ["scripts/**/*.js", "bin/**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", setTimeout: "readonly" } },
  },
);
