// The front door, measured on the Django fixture behind real Caddy (loopback, tls internal):
// 1. switch under load: 4 clients opening a new TLS connection per request and 4 keeping one connection alive
//    (GET / and POST /notes each) during deploys, rollbacks and restarts: failed requests per switch for each
//    kind of client (must be 0) and p99 latency during switches vs steady state;
// 2. the config loads that remain (a domain added, then live; the app removed) under the same load: failed
//    requests per load, for each kind of client;
// 3. the relay's cost: CPU of the supervisor (which relays every proxied request) and of Caddy per request;
// 4. proxy overhead: the same GET /health through Caddy (HTTPS, keep-alive) vs straight to gunicorn's
//    internal port (HTTP, keep-alive), interleaved at a fixed rate in one run.
// BENCH_SWITCHES=N switches per kind (default 3), BENCH_LOADS=N domains added and removed (default 3).
import { readFileSync } from "node:fs";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { join } from "node:path";
import { execa, execaSync } from "execa";
import { CLI, ROOT, benchGit, cleanup, cli, fixtureRepo, freePort, onCleanup, tmp, addDjangoApp } from "./lib.mjs";

const SWITCHES = Number(process.env.BENCH_SWITCHES ?? 3);
const LOADS = Number(process.env.BENCH_LOADS ?? 3);
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

/**
 * 4 clients opening a connection per request and 4 keeping theirs alive, until stop(); each sample: its start
 * time, latency, ok, the client's kind, and whether a switch was in progress.
 */
function load(target, isSwitching, kinds = ["fresh", "keep-alive"]) {
  let running = true;
  const samples = [];
  const agents = [];
  const loop = async (client, kind) => {
    const agent = kind === "fresh" ? false : new HttpsAgent({ keepAlive: true, maxSockets: 1, ca: target.ca });
    if (agent) agents.push(agent);
    for (let i = 0; running; i++) {
      const write = i % 2 === 1;
      const body = write ? `body=c${client}-${i}` : undefined;
      const options = {
        host: "127.0.0.1",
        port: target.port,
        servername: HOST,
        ca: target.ca,
        agent,
        path: write ? "/notes" : "/",
        method: write ? "POST" : "GET",
        headers: {
          Host: `${HOST}:${target.port}`,
          ...(write
            ? { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": Buffer.byteLength(body) }
            : {}),
        },
      };
      const switching = isSwitching();
      const at = Date.now();
      const r = await once(options, body);
      samples.push({ ...r, at, kind, switching: switching || isSwitching() });
    }
  };
  const loops = kinds.flatMap((kind) => [0, 1, 2, 3].map((c) => loop(c, kind)));
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      for (const agent of agents) agent.destroy();
      return samples;
    },
  };
}

/** Requests started in [from, to) and, of those, failed, for one kind of client. */
function within(samples, kind, from, to) {
  const mine = samples.filter((s) => s.kind === kind && s.at >= from && s.at < to);
  return { n: mine.length, failed: mine.filter((s) => !s.ok).length };
}

const RELAY_SCRIPT = `import { UpstreamRelay } from ${JSON.stringify(join(ROOT, "dist", "proxy", "upstream-relay.js"))};
const relay = new UpstreamRelay(process.argv[1], 10000);
await relay.socketFor("bench");
relay.point("bench", Number(process.argv[2]));
process.stdout.write("ready\\n");`;
/** For scale: the least a Node process does per connection, a bare HTTP server answering on such a socket. */
const NODE_HTTP_SCRIPT = `import { createServer } from "node:http";
createServer((req, res) => res.end("ok")).listen(process.argv[1] + "/bench.sock", () => process.stdout.write("ready\\n"));`;

/**
 * A process's own CPU per request: the relay (or the bare server) in a process of its own in front of the live
 * port, sent GET /health by 4 loops that open a connection per request to its socket, as Caddy does.
 */
async function relayAlone(port, script, requests = 2000) {
  const dir = tmp("front-door-relay");
  const child = execa(process.execPath, ["--input-type=module", "-e", script, dir, String(port)], {
    reject: false,
    buffer: false,
  });
  onCleanup(async () => {
    child.kill("SIGKILL");
    await child;
  });
  await new Promise((resolve) => child.stdout.once("data", resolve));
  const socketPath = join(dir, "bench.sock");
  const from = cpuSeconds(child.pid);
  let sent = 0;
  const loop = async () => {
    while (sent++ < requests) {
      await new Promise((resolve, reject) => {
        const req = httpRequest(
          { socketPath, path: "/health", agent: false, headers: { Host: HOST, Connection: "close" } },
          (res) => {
            res.resume();
            res.on("end", resolve);
          },
        );
        req.on("error", reject);
        req.end();
      });
    }
  };
  await Promise.all([loop(), loop(), loop(), loop()]);
  return ((cpuSeconds(child.pid) - from) * 1e6) / requests;
}

/** user + system CPU seconds a process has used (Linux /proc). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

try {
  const repo = await fixtureRepo("django-app", "front-door");
  const git = (...args) => benchGit(repo, ...args);
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
  await addDjangoApp(home, repo, await freePort(), ["--domain", HOST]);
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
      if (
        (
          await once({
            host: "127.0.0.1",
            port: https,
            servername: HOST,
            ca,
            agent: false,
            path: "/health",
            headers: { Host: HOST },
          })
        ).ok
      )
        break;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const target = { port: https, ca };

  const supervisorPid = up.pid;
  const caddyPid = () =>
    JSON.parse(execaSync(process.execPath, [CLI, "--home", home, "status", "--json"]).stdout).proxy.pid;
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  const stats = (samples) => [
    samples.length,
    samples.filter((s) => !s.ok).length,
    pct(
      samples.map((s) => s.ms),
      50,
    ),
    pct(
      samples.map((s) => s.ms),
      99,
    ),
  ];

  // 3 first (nothing else runs): the CPU the supervisor (relaying every request) and Caddy use per request, keep-alive
  // clients only, against the supervisor's CPU while idle for as long.
  const caddy = caddyPid();
  const idleFrom = cpuSeconds(supervisorPid);
  await pause(8000);
  const idleCpu = cpuSeconds(supervisorPid) - idleFrom;
  const [supFrom, caddyFrom] = [cpuSeconds(supervisorPid), cpuSeconds(caddy)];
  const steady = load(target, () => false);
  await pause(8000);
  const steadySamples = await steady.stop();
  const [supCpu, caddyCpu] = [cpuSeconds(supervisorPid) - supFrom - idleCpu, cpuSeconds(caddy) - caddyFrom];
  const perRequest = (cpu) => ((cpu * 1e6) / steadySamples.length).toFixed(0);

  // 1. Switch under load: each switch's window runs from its command's start to the next one's.
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
  let switching = false;
  const rows = [["steady", ...stats(steadySamples)]];
  const perSwitch = [];
  let failedTotal = 0;
  for (const [kind, run] of Object.entries(kinds)) {
    const l = load(target, () => switching);
    const windows = [];
    for (let i = 0; i < SWITCHES; i++) {
      const from = Date.now();
      switching = true;
      await run(i);
      switching = false;
      await pause(500);
      windows.push([`${kind} ${i + 1}`, from, Date.now()]);
    }
    const samples = await l.stop();
    for (const [name, from, to] of windows)
      perSwitch.push([name, within(samples, "keep-alive", from, to), within(samples, "fresh", from, to)]);
    const failed = samples.filter((s) => !s.ok);
    failedTotal += failed.length;
    if (failed.length > 0)
      console.log(`${kind}: failures ${JSON.stringify(failed.slice(0, 3).map((f) => `${f.kind} ${f.detail}`))}`);
    rows.push([`${kind} ×${SWITCHES}`, ...stats(samples.filter((s) => s.switching))]);
  }
  console.log(
    "switch under load (4 keep-alive clients + 4 opening a TLS connection per request; latency in ms, during switches):",
  );
  for (const [name, n, failed, p50, p99] of rows)
    console.log(
      `  ${String(name).padEnd(12)} requests ${String(n).padStart(6)}  failed ${failed}  p50 ${p50.toFixed(1)}  p99 ${p99.toFixed(1)}`,
    );
  console.log("failed requests per switch (keep-alive clients | new connection per request):");
  for (const [name, keep, fresh] of perSwitch)
    console.log(`  ${name.padEnd(12)} keep-alive ${keep.failed}/${keep.n}  fresh ${fresh.failed}/${fresh.n}`);
  console.log(`failed requests during switches: ${failedTotal} (target 0) ${failedTotal === 0 ? "OK" : "OVER"}`);

  // 2. The config loads that remain: an app with a domain added (its domain, then its first release, each a load) and
  // removed again, under the same load. Each window runs from the command to 2 s after it.
  const extra = await fixtureRepo("generic-app", "front-door-extra");
  const version = () =>
    JSON.parse(execaSync(process.execPath, [CLI, "--home", home, "status", "--json"]).stdout).proxy.config_version;
  const loadWindows = [];
  const configLoad = load(target, () => false);
  const versionBefore = version();
  for (let i = 0; i < LOADS; i++) {
    const name = `extra${i}`;
    let from = Date.now();
    await cli(home, [
      "app",
      "add",
      name,
      "--kind",
      "generic",
      "--repo",
      extra,
      "--port",
      String(await freePort()),
      "--domain",
      `${name}.test`,
    ]);
    for (let t = Date.now() + 60_000; Date.now() < t; await pause(250)) {
      const app = JSON.parse(execaSync(process.execPath, [CLI, "--home", home, "status", "--json"]).stdout).apps.find(
        (a) => a.name === name,
      );
      if (app?.state === "running") break;
    }
    await pause(2000);
    loadWindows.push([`add ${name}`, from, Date.now()]);
    from = Date.now();
    await cli(home, ["app", "remove", name]);
    await pause(2000);
    loadWindows.push([`remove ${name}`, from, Date.now()]);
  }
  const loads = version() - versionBefore;
  const loadSamples = await configLoad.stop();
  const loadFailed = (kind) => loadSamples.filter((s) => s.kind === kind && !s.ok).length;
  console.log(`config loads under load (${loads} loads: ${LOADS} apps with a domain added, deployed, removed):`);
  for (const [name, from, to] of loadWindows) {
    const [keep, fresh] = [within(loadSamples, "keep-alive", from, to), within(loadSamples, "fresh", from, to)];
    console.log(`  ${name.padEnd(14)} keep-alive ${keep.failed}/${keep.n}  fresh ${fresh.failed}/${fresh.n}`);
  }
  console.log(
    `failed requests per config load: keep-alive ${(loadFailed("keep-alive") / Math.max(1, loads)).toFixed(2)} (of 4 connections), fresh ${(loadFailed("fresh") / Math.max(1, loads)).toFixed(2)}; failures: ${JSON.stringify(
      loadSamples
        .filter((s) => !s.ok)
        .slice(0, 4)
        .map((f) => `${f.kind} ${f.detail}`),
    )}`,
  );

  console.log(
    `CPU per request under the steady load (${steadySamples.length} requests in 8 s): supervisor ${perRequest(supCpu)} µs (its idle CPU subtracted; it relays each request and writes gunicorn's access-log line), Caddy ${perRequest(caddyCpu)} µs`,
  );
  const livePort = JSON.parse((await cli(home, ["status", "--json"])).stdout).apps.find(
    (a) => a.name === "blog",
  ).live_port;
  console.log(
    `relay alone: ${(await relayAlone(livePort, RELAY_SCRIPT)).toFixed(0)} µs CPU per request (its own process, a connection per request as from Caddy); a bare Node HTTP server answering on such a socket: ${(await relayAlone(livePort, NODE_HTTP_SCRIPT)).toFixed(0)} µs`,
  );

  // 4. Proxy overhead at a fixed rate, interleaved.
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
    const [a, b] =
      i % 2 === 0 ? [await once(viaCaddy), await once(direct)] : [await once(direct), await once(viaCaddy)].reverse();
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
