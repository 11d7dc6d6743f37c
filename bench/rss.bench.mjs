// Resident memory of the `hostctl up` process while it supervises 20 generic apps (a tiny HTTP server each).
import { cpSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { CLI, ROOT, cleanup, cli, tmp } from "./lib.mjs";

const APPS = Number(process.env.BENCH_APPS ?? 20);

function rssMb(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

try {
  const home = join(tmp("rss"), "home");
  await cli(home, ["init", "--replica-url", `file://${tmp("replica")}`]);
  for (let i = 0; i < APPS; i++) {
    const name = `app${i}`;
    await cli(home, ["app", "add", name, "--kind", "generic", "--repo", "/unused", "--port", String(19100 + i)]);
    const release = join(home, "apps", name, "releases", "r1");
    mkdirSync(release, { recursive: true });
    cpSync(join(ROOT, "test", "fixtures", "generic-app"), release, { recursive: true });
    symlinkSync(release, join(home, "apps", name, "current"));
  }
  // Run the bin itself, as systemd does: its shebang carries the supervisor's V8 flags.
  const up = execa(CLI, ["--home", home, "up"], { reject: false, forceKillAfterDelay: false, stdout: "ignore", stderr: "ignore" });
  const deadline = Date.now() + 60_000;
  let running = 0;
  while (Date.now() < deadline) {
    const status = await cli(home, ["status", "--json"]).then((r) => JSON.parse(r.stdout), () => undefined);
    running = status?.apps?.filter((a) => a.state === "running").length ?? 0;
    if (running === APPS) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const samples = [];
  for (let i = 0; i < 5; i++) {
    samples.push(rssMb(up.pid));
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const peak = Math.max(...samples);
  console.log(`supervisor RSS with ${running}/${APPS} generic apps running: ${peak.toFixed(1)} MB (target ≤ 80 MB) ${peak <= 80 ? "OK" : "OVER"} → ratio to target ${(peak / 80).toFixed(3)}`);
  up.kill("SIGTERM");
  await up;
} finally {
  await cleanup();
}
