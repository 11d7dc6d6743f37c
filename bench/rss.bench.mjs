// Resident memory of the `hostctl up` process while it supervises N generic apps (a tiny HTTP server each),
// measured at two counts on one home (apps added between the runs) so the growth per app is seen too.
// Full: 10, 50 and 100 apps (targets ≤ 80 MB at 50, ≤ 90 MB at 100); --quick: 2 then 10.
import { cpSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { CLI, ROOT, SUPERVISOR_ENV, cleanup, cli, tmp } from "./lib.mjs";
import { QUICK, record } from "./figures.mjs";

// Each count after the first, with its target in MB.
const COUNTS = QUICK
  ? [{ apps: 10, target: 80 }]
  : [
      { apps: 50, target: 80 },
      { apps: 100, target: 90 },
    ];
const BASE = QUICK ? 2 : 10;
const SETTLE_MS = QUICK ? 500 : 3000;
const SAMPLES = QUICK ? 3 : 5;

function rssMb(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function addApps(home, from, to) {
  for (let i = from; i < to; i++) {
    const name = `app${i}`;
    await cli(home, ["app", "add", name, "--kind", "generic", "--repo", "/unused", "--port", String(19100 + i)]);
    const release = join(home, "apps", name, "releases", "r1");
    mkdirSync(release, { recursive: true });
    cpSync(join(ROOT, "test", "fixtures", "generic-app"), release, { recursive: true });
    symlinkSync(release, join(home, "apps", name, "current"));
  }
}

/** RSS samples (MB) of the supervisor once all `count` apps run. */
async function measure(home, count) {
  const t0 = Date.now();
  // Run the bin itself with the V8 flags templates/hostctl.service gives the supervisor.
  const up = execa(CLI, ["--home", home, "up"], {
    env: SUPERVISOR_ENV,
    reject: false,
    forceKillAfterDelay: false,
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    const deadline = Date.now() + 120_000;
    let running = 0;
    while (running < count) {
      if (Date.now() > deadline) throw new Error(`${running}/${count} apps running after 120 s`);
      const status = await cli(home, ["status", "--json"]).then(
        (r) => JSON.parse(r.stdout),
        () => undefined,
      );
      running = status?.apps?.filter((a) => a.state === "running").length ?? 0;
      if (running < count) await sleep(250);
    }
    console.log(`${count} apps running after ${Date.now() - t0} ms`);
    await sleep(SETTLE_MS);
    const samples = [];
    for (let i = 0; i < SAMPLES; i++) {
      samples.push(rssMb(up.pid));
      await sleep(QUICK ? 300 : 1000);
    }
    return samples;
  } finally {
    const stopping = Date.now();
    up.kill("SIGTERM");
    await up;
    console.log(`stopped in ${Date.now() - stopping} ms`);
  }
}

try {
  const home = join(tmp("rss"), "home");
  await cli(home, ["init", "--replica-url", `file://${tmp("replica")}`]);
  await addApps(home, 0, BASE);
  const base = await measure(home, BASE);
  record({ bench: "rss", figure: `supervisor RSS, ${BASE} generic apps`, unit: "MB", ours: base, kind: "info" });
  let added = BASE;
  let last = base;
  for (const { apps, target } of COUNTS) {
    await addApps(home, added, apps);
    last = await measure(home, apps);
    added = apps;
    record({ bench: "rss", figure: `supervisor RSS, ${apps} generic apps`, unit: "MB", ours: last, target });
  }
  const growth = (Math.max(...last) - Math.max(...base)) / (added - BASE);
  record({
    bench: "rss",
    figure: `RSS growth per app (${BASE} → ${added} apps, peaks)`,
    unit: "MB",
    ours: [growth],
    kind: "info",
  });
} finally {
  await cleanup();
}
