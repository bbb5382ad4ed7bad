// Composition root of the acr-cmk command line: parse, build the context, run one command, decide the exit code.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { CommanderError, type Command } from "commander";
import { buildProgram, COMMAND_NAMES } from "./cli/program.js";
import { exitCodeFor, describeFailure, describeFailureJson } from "./cli/exit.js";
import type { AzureResponse, CliContext, GlobalOptions } from "./cli/context.js";
import type { CmkAzure } from "./azure/types.js";

const version = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;

function homeDir(env: NodeJS.ProcessEnv): string {
  return resolve(env.ACR_CMK_HOME ?? join(homedir(), ".acr-cmk"));
}

/** `--sandbox` takes an optional file; `acr-cmk --sandbox diagnose …` must not read "diagnose" as that file. */
export function normaliseArgv(argv: string[]): string[] {
  const out = [...argv];
  for (let i = 0; i < out.length; i++) {
    const next = out[i + 1];
    if (out[i] === "--sandbox" && next !== undefined && (COMMAND_NAMES as readonly string[]).includes(next)) {
      out[i] = "--sandbox=";
    }
  }
  return out;
}

export function globalsFrom(command: Command, env: NodeJS.ProcessEnv): GlobalOptions {
  const opts = command.optsWithGlobals<{
    subscription?: string;
    sandbox?: string | boolean;
    output: "text" | "json";
    color: boolean;
    verbose?: boolean;
  }>();
  const home = homeDir(env);
  const sandboxValue = opts.sandbox ?? env.ACR_CMK_SANDBOX;
  const inSandboxCommand = command.parent?.name() === "sandbox";
  let sandbox: string | undefined;
  if (sandboxValue !== undefined && sandboxValue !== false) {
    sandbox = sandboxValue === true || sandboxValue === "" ? join(home, "sandbox.json") : String(sandboxValue);
  } else if (inSandboxCommand) {
    sandbox = join(home, "sandbox.json");
  }
  if (sandbox !== undefined && !isAbsolute(sandbox)) sandbox = resolve(sandbox);
  return {
    subscription: opts.subscription ?? env.AZURE_SUBSCRIPTION_ID,
    sandbox,
    output: opts.output,
    ...(command.getOptionValueSourceWithGlobals("output") === "cli" ? { outputChosen: true } : {}),
    color: opts.color && env.NO_COLOR === undefined,
    verbose: Boolean(opts.verbose),
    home,
  };
}

export async function main(
  argv: string[],
  base: Pick<CliContext, "env" | "stdout" | "stderr" | "stdin">,
): Promise<number> {
  let code = 0;
  let verbose = argv.includes("--verbose");
  // Known before parsing succeeds, so a parse error is JSON too; the parsed value replaces it once a command runs.
  let json = argv.some((arg, i) => arg === "--output=json" || (arg === "--output" && argv[i + 1] === "json"));
  let commanderMessage = "";
  const makeContext = async (command: Command): Promise<CliContext> => {
    const globals = globalsFrom(command, base.env);
    verbose = globals.verbose;
    json = globals.output === "json";
    let azure: Promise<CmkAzure> | undefined;
    const responseListeners = new Set<(response: AzureResponse) => void>();
    const onResponse = (response: AzureResponse) => {
      for (const listener of responseListeners) listener(response);
    };
    return {
      ...base,
      globals,
      azure: () =>
        (azure ??= import("./cli/wiring.js").then((m) => m.createAzureForCli(globals, base.env, { onResponse }))),
      onAzureResponse: (listener) => {
        responseListeners.add(listener);
        return () => responseListeners.delete(listener);
      },
    };
  };
  const program = buildProgram(version, makeContext, (c) => (code = c));
  // Subcommands copy these settings when they are created (inside buildProgram), so apply them to every command:
  // otherwise a bad option on a subcommand calls process.exit(1) and writes to the real stderr.
  const configure = (command: Command): void => {
    command.exitOverride();
    command.configureOutput({
      writeOut: (s) => base.stdout.write(s),
      // With --output json, commander's error and its hint become the one JSON document written below.
      writeErr: (s) => (json ? (commanderMessage += s) : base.stderr.write(s)),
    });
    for (const sub of command.commands) configure(sub);
  };
  configure(program);
  try {
    await program.parseAsync(normaliseArgv(argv), { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (error.exitCode === 0) return 0;
      if (json) {
        const message = (commanderMessage || error.message)
          .trim()
          .replace(/^error: /, "")
          .replace(/\s*\n\s*/g, " ");
        base.stderr.write(JSON.stringify({ error: { code: "usage", message } }) + "\n");
      }
      return 2;
    }
    base.stderr.write((json ? describeFailureJson(error, verbose) : describeFailure(error, verbose)) + "\n");
    return exitCodeFor(error);
  }
}

// Run only when executed as the program, not when imported by tests.
const entry = process.argv[1] ?? "";
if (entry.endsWith("acr-cmk") || entry.endsWith("acr-cmk.js") || entry.endsWith("cli.js")) {
  // `acr-cmk … | head`: the reader went away. Carry on without output instead of dying on a stack trace, so the command
  // still ends with its own exit code (and a run in progress reaches its next stop, persisted and resumable).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
    });
  }
  const code = await main(process.argv.slice(2), {
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  });
  process.exitCode = code;
}
