// HTTPS_PROXY / HTTP_PROXY / NO_PROXY for Slack's Web API. @slack/web-api 8 calls the global fetch, which ignores
// those variables unless Node runs with NODE_USE_ENV_PROXY=1 (https://nodejs.org/api/cli.html#node_use_env_proxy1);
// undici's EnvHttpProxyAgent reads them as curl does (https://undici.nodejs.org/#/docs/api/EnvHttpProxyAgent).
import { EnvHttpProxyAgent, fetch as undiciFetch } from "undici";

// The shape of the global fetch, which @slack/web-api takes as its `fetch` option.
type FetchFunction = typeof globalThis.fetch;

/** A fetch that goes through the proxy the environment names, or undefined when it names none. */
export function proxiedFetch(env: NodeJS.ProcessEnv): FetchFunction | undefined {
  const httpsProxy = env.HTTPS_PROXY ?? env.https_proxy;
  const httpProxy = env.HTTP_PROXY ?? env.http_proxy;
  if (!httpsProxy && !httpProxy) return undefined;
  const noProxy = env.NO_PROXY ?? env.no_proxy;
  const dispatcher = new EnvHttpProxyAgent({
    ...(httpProxy ? { httpProxy } : {}),
    ...(httpsProxy ? { httpsProxy } : {}),
    ...(noProxy ? { noProxy } : {}),
  });
  return ((url: string, init?: object) =>
    undiciFetch(url, { ...init, dispatcher } as Parameters<typeof undiciFetch>[1])) as unknown as FetchFunction;
}
