// The front door, measured on the Django fixture behind real Caddy (loopback, tls internal):
// 1. switch under load: 4 clients (GET / and POST /notes, a new TLS connection per request) during deploys,
//    rollbacks and restarts: failed requests (must be 0) and p99 latency during switches vs steady state;
// 2. proxy overhead: the same GET /health through Caddy (HTTPS, keep-alive) vs straight to gunicorn's
//    internal port (HTTP, keep-alive), interleaved at a fixed rate in one run.
// BENCH_SWITCHES=N switches per kind (default 3).
import { readFileSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { join } from "node:path";
import { execa } from "execa";
import { cleanup, cli, fixtureRepo, freePort, onCleanup, tmp } from "./lib.mjs";

const SWITCHES = Number(process.env.BENCH_SWITCHES ?? 3);
const HOST = "blog.test";

function once(options, body) {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const done = (ok, detail) => resolve({ ok, ms: Number(process.hrtime.bigint() - started) / 1e6, detail });
    const req = (options.ca ? httpsRequest : httpRequest)(options, (res) => {
      res.resume();
      res.on("end", () => done(res.statusCode >= 200 && res.statusCode < 300, res.statusCode));
      res.on("error", (e) => done(false, e.message));
    });
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
    req.on("error", (e) => done(false, e.message));
    req.end(body);
  });
}

function pct(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** 4 clients until stop(); each sample: latency, ok, and whether a switch was in progress. */
function load(target, isSwitching) {
  let running = true;
  const samples = [];
  const loop = async (client) => {
    for (let i = 0; running; i++) {
      const write = i % 2 === 1;
      const body = write ? `body=c${client}-${i}` : undefined;
      const options = {
        host: "127.0.0.1",
        port: target.port,
        servername: HOST,
        ca: target.ca,
        agent: false,
        path: write ? "/notes" : "/",
        method: write ? "POST" : "GET",
        headers: {
          Host: `${HOST}:${target.port}`,
          ...(write ? { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": Buffer.byteLength(body) } : {}),
        },
      };
      const switching = isSwitching();
      const r = await once(options, body);
      samples.push({ ...r, switching: switching || isSwitching() });
    }
  };
  const loops = [0, 1, 2, 3].map(loop);
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

try {
  const repo = await fixtureRepo("django-app", "front-door");
  const git = (...args) => execa("git", ["-c", "user.name=bench", "-c", "user.email=bench@invalid", ...args], { cwd: repo });
  const home = join(tmp("front-door-home"), "home");
  const https = await freePort();
  await cli(home, [
    "init",
    "--replica-url",
    `file://${tmp("front-door-replica")}`,
    "--tls",
    "internal",
    "--http-port",
    String(await freePort()),
    "--https-port",
    String(https),
    "--proxy-bind",
    "127.0.0.1",
  ]);
  const yml = join(home, "hostctl.yml");
  const { parseDocument } = await import("yaml");
  const doc = parseDocument(readFileSync(yml, "utf8"));
  doc.setIn(["proxy", "internal_port_base"], 20_000 + 200 * Math.floor(Math.random() * 45));
  (await import("node:fs")).writeFileSync(yml, doc.toString());
  await cli(home, [
    "app",
    "add",
    "blog",
    "--repo",
    repo,
    "--port",
    String(await freePort()),
    "--db",
    "db.sqlite3",
    "--python",
    "/usr/bin/python3",
    "--system-site-packages",
    "--healthcheck-path",
    "/health",
    "--domain",
    HOST,
  ]);
  await cli(home, ["env", "set", "blog", `ALLOWED_HOSTS=${HOST},localhost,127.0.0.1`]);
  const up = execa(process.execPath, [join(process.cwd(), "dist", "cli", "main.js"), "--home", home, "up"], {
    reject: false,
    stdio: "ignore",
    forceKillAfterDelay: false,
  });
  // A graceful stop (apps, Litestream, then Caddy) may take longer than execa's 5 s before it would SIGKILL.
  onCleanup(async () => {
    up.kill("SIGTERM");
    await up;
  });
  const rootCrt = join(home, "caddy", "pki", "authorities", "local", "root.crt");
  let ca;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline;) {
    try {
      ca = readFileSync(rootCrt, "utf8");
      if ((await once({ host: "127.0.0.1", port: https, servername: HOST, ca, agent: false, path: "/health", headers: { Host: HOST } })).ok)
        break;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const target = { port: https, ca };

  // 1. Switch under load.
  let switching = false;
  const steady = load(target, () => false);
  await new Promise((r) => setTimeout(r, 8000));
  const steadySamples = await steady.stop();
  const kinds = {
    deploy: async (i) => {
      await git("commit", "-q", "--allow-empty", "-m", `v${i}`);
      await cli(home, ["deploy", "blog"]);
    },
    rollback: async () => {
      await cli(home, ["rollback", "blog"]);
    },
    restart: async () => {
      await cli(home, ["restart", "blog"]);
    },
  };
  const rows = [
    [
      "steady",
      steadySamples.length,
      steadySamples.filter((s) => !s.ok).length,
      pct(
        steadySamples.map((s) => s.ms),
        50,
      ),
      pct(
        steadySamples.map((s) => s.ms),
        99,
      ),
    ],
  ];
  let failedTotal = 0;
  for (const [kind, run] of Object.entries(kinds)) {
    const l = load(target, () => switching);
    for (let i = 0; i < SWITCHES; i++) {
      switching = true;
      await run(i);
      switching = false;
      await new Promise((r) => setTimeout(r, 500));
    }
    const samples = await l.stop();
    const during = samples.filter((s) => s.switching);
    const failed = samples.filter((s) => !s.ok);
    failedTotal += failed.length;
    if (failed.length > 0) console.log(`${kind}: failures ${JSON.stringify(failed.slice(0, 3).map((f) => f.detail))}`);
    rows.push([
      `${kind} ×${SWITCHES}`,
      samples.length,
      failed.length,
      pct(
        during.map((s) => s.ms),
        50,
      ),
      pct(
        during.map((s) => s.ms),
        99,
      ),
    ]);
  }
  console.log("switch under load (4 clients, new TLS connection per request; latency in ms, during switches):");
  for (const [name, n, failed, p50, p99] of rows)
    console.log(
      `  ${String(name).padEnd(12)} requests ${String(n).padStart(6)}  failed ${failed}  p50 ${p50.toFixed(1)}  p99 ${p99.toFixed(1)}`,
    );
  console.log(`failed requests during switches: ${failedTotal} (target 0) ${failedTotal === 0 ? "OK" : "OVER"}`);

  // 2. Proxy overhead at a fixed rate, interleaved.
  const status = JSON.parse((await cli(home, ["status", "--json"])).stdout);
  const live = status.apps.find((a) => a.name === "blog").live_port;
  const viaCaddy = {
    host: "127.0.0.1",
    port: https,
    servername: HOST,
    ca,
    agent: new HttpsAgent({ keepAlive: true, maxSockets: 1, ca }),
    path: "/health",
    headers: { Host: HOST },
  };
  const direct = {
    host: "127.0.0.1",
    port: live,
    agent: new HttpAgent({ keepAlive: true, maxSockets: 1 }),
    path: "/health",
    headers: { Host: HOST },
  };
  const RATE = 50;
  const N = 500;
  const caddyMs = [];
  const directMs = [];
  for (let i = 0; i < N; i++) {
    const tick = Date.now();
    const [a, b] = i % 2 === 0 ? [await once(viaCaddy), await once(direct)] : [await once(direct), await once(viaCaddy)].reverse();
    caddyMs.push(a.ms);
    directMs.push(b.ms);
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 / RATE - (Date.now() - tick))));
  }
  viaCaddy.agent.destroy();
  direct.agent.destroy();
  console.log(
    `proxy overhead (${N} × GET /health each at ${RATE}/s, keep-alive): through Caddy (HTTPS) p50 ${pct(caddyMs, 50).toFixed(2)} ms p99 ${pct(caddyMs, 99).toFixed(2)} ms; straight to gunicorn p50 ${pct(directMs, 50).toFixed(2)} ms p99 ${pct(directMs, 99).toFixed(2)} ms; added p50 ${(pct(caddyMs, 50) - pct(directMs, 50)).toFixed(2)} ms`,
  );
  if (failedTotal > 0) process.exitCode = 1;
} catch (error) {
  console.error(error.shortMessage ?? error.message, error.stderr ?? "");
  process.exitCode = 1;
} finally {
  await cleanup().catch(() => undefined);
}
