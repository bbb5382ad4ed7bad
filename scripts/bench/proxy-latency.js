// Benchmark (not a test): what `sandbox serve --proxy` adds per request over the sandbox served directly. The same
// requests (Resource Manager reads, a Key Vault key read) go to the direct HTTPS server and through the proxy
// (CONNECT, TLS with the proxy's certificate), over kept-alive connections as SDK clients use them, and over a fresh
// connection each time (CONNECT and TLS handshake included). Prints median and p90 per path and the difference; the
// target is at most 5 ms added at the median. Run `npm run build` first.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request as httpsRequest } from "node:https";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { connect as tlsConnect } from "node:tls";
import { createWorld, initFileStore } from "../../dist/sandbox/index.js";
import { startSandboxProxy } from "../../dist/sandbox/proxy/server.js";

const WARM = 400;
const COLD = 40;
const TARGET_MS = 5;

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Opens a tunnel through the proxy and TLS over it; resolves with the TLS socket. */
function tunnel(proxyUrl, host, ca) {
  const proxy = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: proxy.hostname, port: proxy.port, method: "CONNECT", path: `${host}:443` });
    req.on("connect", (res, socket) => {
      if (res.statusCode !== 200) return reject(new Error(`CONNECT ${host}: ${res.statusCode}`));
      const tls = tlsConnect({ socket, servername: host, ca }, () => resolve(tls));
      tls.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** An https.Agent whose connections are tunnels through the proxy (what an SDK's proxy agent does). */
function proxyAgent(proxyUrl, ca, keepAlive) {
  const agent = new Agent({ keepAlive, maxSockets: 1 });
  agent.createConnection = (options, done) => {
    tunnel(proxyUrl, options.host, ca).then((socket) => done(null, socket), done);
  };
  return agent;
}

function send(agent, base, path, host, ca) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const started = performance.now();
    const req = httpsRequest(
      {
        agent,
        host: url.hostname,
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        ca,
        ...(/^[\d.]+$/.test(host) ? {} : { servername: host }),
        headers: { host, authorization: "Bearer bench" },
      },
      (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`${path}: HTTP ${res.statusCode}`));
          else resolve(performance.now() - started);
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const folder = mkdtempSync(join(tmpdir(), "acr-cmk-bench-proxy-"));
const stateFile = join(folder, "sandbox.json");
const world = createWorld();
const store = initFileStore(stateFile, world);
const proxy = await startSandboxProxy({ store });
const ca = readFileSync(proxy.caCertPath, "utf8");
const registry = Object.values(world.registries)[0];
const vault = Object.values(world.vaults)[0];
const key = Object.values(vault.keys)[0];

// The same requests both ways: on the direct server the vault is named by the /vault/<name> prefix (as `sandbox serve` answers).
const requests = [
  { host: "management.azure.com", path: `${registry.id}?api-version=2025-11-01` },
  { host: "management.azure.com", path: `${vault.id}?api-version=2026-02-01` },
  { host: `${vault.name}.vault.azure.net`, path: `/keys/${key.name}/?api-version=2025-07-01`, vault: vault.name },
];

async function measure(mode, keepAlive, count) {
  const times = [];
  const agents = new Map();
  const agentFor = (host) => {
    if (!keepAlive) return mode === "proxy" ? proxyAgent(proxy.proxyUrl, ca, false) : new Agent({ keepAlive: false });
    if (!agents.has(host))
      agents.set(
        host,
        mode === "proxy" ? proxyAgent(proxy.proxyUrl, ca, true) : new Agent({ keepAlive: true, maxSockets: 1 }),
      );
    return agents.get(host);
  };
  for (let i = 0; i < count; i++) {
    const r = requests[i % requests.length];
    if (mode === "direct") {
      const path = r.vault ? `/vault/${r.vault}${r.path}` : r.path;
      times.push(await send(agentFor(r.host), proxy.url, path, "127.0.0.1", ca));
    } else {
      times.push(await send(agentFor(r.host), `https://${r.host}`, r.path, r.host, ca));
    }
  }
  for (const agent of agents.values()) agent.destroy();
  return times;
}

try {
  // Warm up both paths (JIT, certificate issue per host), then alternate rounds so drift hits both alike.
  await measure("direct", true, 30);
  await measure("proxy", true, 30);
  const results = { direct: { warm: [], cold: [] }, proxy: { warm: [], cold: [] } };
  for (let round = 0; round < 4; round++) {
    for (const mode of ["direct", "proxy"]) {
      results[mode].warm.push(...(await measure(mode, true, WARM / 4)));
      results[mode].cold.push(...(await measure(mode, false, COLD / 4)));
    }
  }
  console.log(
    `proxy latency benchmark: ${WARM} requests per path over kept-alive connections, ${COLD} over fresh ones (${requests.length} request kinds: ARM registry, ARM vault, Key Vault key)\n`,
  );
  console.log(["path".padEnd(34), "median ms".padStart(10), "p90 ms".padStart(9)].join(""));
  const line = (name, values) =>
    console.log(
      [
        name.padEnd(34),
        percentile(values, 50).toFixed(2).padStart(10),
        percentile(values, 90).toFixed(2).padStart(9),
      ].join(""),
    );
  line("direct, kept-alive", results.direct.warm);
  line("through the proxy, kept-alive", results.proxy.warm);
  line("direct, new connection", results.direct.cold);
  line("through the proxy, new connection", results.proxy.cold);
  const added = percentile(results.proxy.warm, 50) - percentile(results.direct.warm, 50);
  const addedP90 = percentile(results.proxy.warm, 90) - percentile(results.direct.warm, 90);
  const addedCold = percentile(results.proxy.cold, 50) - percentile(results.direct.cold, 50);
  console.log(
    `\nadded by the proxy per request: ${added.toFixed(2)} ms at the median, ${addedP90.toFixed(2)} ms at p90 (target ≤ ${TARGET_MS} ms at the median)`,
  );
  console.log(
    `added on a new connection (CONNECT + TLS with a per-host certificate): ${addedCold.toFixed(2)} ms at the median`,
  );
} finally {
  await proxy.close();
  rmSync(folder, { recursive: true, force: true });
}
