// `sandbox serve --proxy`: the sandbox behind an HTTPS proxy that real clients (the Azure CLI, acr-cmk in cloud mode,
// any Azure SDK) reach through HTTPS_PROXY. Prints one JSON line (the machine output), or with `--output text` the
// lines a person pastes into another shell.
import type { CliContext } from "../context.js";
import { EXIT, UsageError } from "../errors.js";
import type { WorldStore } from "../../sandbox/index.js";
import type { SandboxProxy, SandboxProxyOptions } from "../../sandbox/proxy/server.js";

/** Types only: the proxy module itself is loaded when `--proxy` is given. */
export type RunningSandboxProxy = SandboxProxy;
export type StartSandboxProxy = (options: SandboxProxyOptions) => Promise<RunningSandboxProxy>;

async function loadProxy(): Promise<StartSandboxProxy> {
  // Loaded only here: certificate generation and the proxy are needed by nothing else.
  return (await import("../../sandbox/proxy/server.js")).startSandboxProxy;
}

/** Single-quoted for a POSIX shell, so a path with spaces pastes as one word. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** What a person pastes: the proxy and CA for both the Azure CLI and Node, an az config folder of its own, a sign-in. */
export function pasteLines(proxy: RunningSandboxProxy, stateFile: string): string {
  const ca = shellQuote(proxy.caCertPath);
  return [
    `acr-cmk sandbox proxy for ${stateFile}: Resource Manager, Microsoft Entra ID, Key Vault and the registries' data plane, simulated; nothing leaves this machine.`,
    "",
    "In another shell (every HTTPS request from it goes to the sandbox):",
    "",
    "  unset https_proxy NO_PROXY no_proxy",
    `  export HTTPS_PROXY=${proxy.proxyUrl} REQUESTS_CA_BUNDLE=${ca} NODE_EXTRA_CA_CERTS=${ca} AZURE_SUBSCRIPTION_ID=${proxy.subscriptionId}`,
    '  export AZURE_CONFIG_DIR="$(mktemp -d)"   # a config folder of its own: your real az sign-in stays as it is',
    `  az login --service-principal -u sandbox-operator -p any-secret --tenant ${proxy.tenantId}`,
    "",
    "Then use az and acr-cmk as against Azure (acr-cmk without --sandbox), e.g.:",
    "  az acr list --output table",
    "  acr-cmk diagnose -g <resource-group> -r <registry>",
    `Break something from any shell: acr-cmk --sandbox ${shellQuote(stateFile)} sandbox break key-deleted`,
    "",
    `The sandbox is also served directly at ${proxy.url}. Stop with Ctrl-C.`,
    "",
  ].join("\n");
}

/** A port that is taken or not allowed is bad usage (exit 2); anything else stays what it is. */
export function listenFailure(error: unknown, port: number | undefined): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EADDRINUSE" || code === "EACCES") {
    return new UsageError(
      `cannot listen on port ${port}: ${code === "EADDRINUSE" ? "it is in use" : "permission denied"}`,
    );
  }
  return error;
}

/** Starts the proxy, prints what to use it with, serves until `stop` resolves, then closes everything. */
export async function serveProxy(
  ctx: CliContext,
  settings: { store: WorldStore; stateFile: string; port?: number; latencyMs?: number },
  deps: { stop: () => Promise<unknown>; startProxy?: StartSandboxProxy },
): Promise<number> {
  const start = deps.startProxy ?? (await loadProxy());
  let proxy: RunningSandboxProxy;
  try {
    proxy = await start({
      store: settings.store,
      ...(settings.port !== undefined && { port: settings.port }),
      ...(settings.latencyMs !== undefined && { latencyMs: settings.latencyMs }),
      log: (line) => ctx.stderr.write(`${line}\n`),
    });
  } catch (error) {
    throw listenFailure(error, settings.port);
  }
  try {
    if (ctx.globals.output === "text" && ctx.globals.outputChosen) {
      ctx.stdout.write(pasteLines(proxy, settings.stateFile));
    } else {
      const { url, caCertPath, proxyUrl, tenantId, subscriptionId } = proxy;
      ctx.stdout.write(JSON.stringify({ url, caCertPath, proxyUrl, tenantId, subscriptionId }) + "\n");
      ctx.stderr.write(`sandbox proxy for ${settings.stateFile} at ${proxy.proxyUrl}; stop with Ctrl-C\n`);
    }
    await deps.stop();
  } finally {
    await proxy.close();
  }
  return EXIT.ok;
}
