// Litestream 0.3.13 vs 0.5.14, side by side on the same 100 MB database: restore-on-boot (hostctl's step:
// replica probe, restore, quick_check, WAL) and a restore drill, each next to a raw `litestream restore`
// of the same replica by the same binary, alternated. A file:// replica (fauxqs rejects the Go SDK's
// multipart uploads, see restore.bench.mjs), so the figures are Litestream's and hostctl's own work.
// Usage: npm run build && node bench/engines.bench.mjs   (BENCH_DB_MB, BENCH_ROUNDS, HOSTCTL_TEST_LITESTREAM05)
import { existsSync, readdirSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { CREDS, ROOT, cleanup, cli, hostContext, makeDb, median, timed, tmp } from "./lib.mjs";

const dist = (path) => import(join(ROOT, "dist", path));
const { ensureDatabases } = await dist("restore/restore-app.js");
const { loadAppSpec } = await dist("config/app.js");
const { createLogger } = await dist("lib/log.js");
const { createRunner } = await dist("lib/exec.js");
const { runDrill } = await dist("drills/run.js");
const { embeddedLitestream } = await dist("litestream/binary.js");
const { touchCanary } = await dist("drills/canary.js");

const MB = Number(process.env.BENCH_DB_MB ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const V05 =
  process.env.HOSTCTL_TEST_LITESTREAM05 ??
  join(
    process.env.HOSTCTL_CI_CACHE ?? join(homedir(), ".cache", "hostctl-ci"),
    "go",
    "litestream-v0.5.14",
    "litestream",
  );
if (!existsSync(V05)) throw new Error(`${V05} not found: run 'bash .ci/run' once (it builds Litestream v0.5.14)`);

const engines = [
  { line: "0.3", binary: embeddedLitestream(), env: {} },
  { line: "0.5", binary: V05, env: { HOSTCTL_LITESTREAM: V05 } },
];

/** Replicates until the replica holds the whole database, then stops Litestream (SIGTERM: final sync). */
async function replicateOnce(binary, config, replicaDir) {
  const child = execa(binary, ["replicate", "-config", config, "-no-expand-env"], { env: CREDS, reject: false });
  const deadline = Date.now() + 300_000;
  const files = () => (existsSync(replicaDir) ? readdirSync(replicaDir, { recursive: true }).length : 0);
  // Settled: the replica's file count stops changing for 3 s after it first appears.
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const n = files();
    if (n !== last) [last, stableSince] = [n, Date.now()];
    else if (n > 0 && Date.now() - stableSince > 3000) break;
  }
  child.kill("SIGTERM");
  await child;
}

try {
  const rows = [];
  for (const engine of engines) {
    const home = join(tmp(`engines-${engine.line}`), "home");
    const replicaRoot = tmp(`replica-${engine.line}`);
    await cli(home, ["init", "--replica-url", `file://${replicaRoot}`], engine.env);
    await cli(
      home,
      ["app", "add", "big", "--kind", "generic", "--repo", "/unused", "--port", "18002", "--db", "db.sqlite3"],
      engine.env,
    );
    const db = join(home, "apps", "big", "data", "db.sqlite3");
    await makeDb(db, MB);
    // The canary row the supervisor keeps: a drill measures freshness from it.
    await touchCanary(createRunner(createLogger("silent")), db, new Date());
    const config = join(home, "run", "litestream", "big.yml");
    await replicateOnce(engine.binary, config, join(replicaRoot, "big"));
    const ctx = await hostContext(home, { ...CREDS, ...engine.env });
    const spec = await loadAppSpec(ctx.paths, "big");
    const scratch = tmp(`out-${engine.line}`);
    const raw = [];
    const boot = [];
    const drill = [];
    for (let round = 0; round < ROUNDS; round++) {
      const out = join(scratch, `raw-${round}.sqlite3`);
      raw.push(
        await timed(() =>
          execa(engine.binary, ["restore", "-config", config, "-no-expand-env", "-o", out, db], { env: CREDS }),
        ),
      );
      rmSync(out, { force: true });
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${db}${suffix}`, { force: true });
      boot.push(await timed(() => ensureDatabases(spec, ctx)));
      let verdict;
      drill.push(
        await timed(async () => {
          verdict = await runDrill(spec, ctx, { noLive: true });
        }),
      );
      if (!verdict.ok) throw new Error(`drill on ${engine.line} failed: ${verdict.reason}`);
    }
    ctx.store.close();
    rows.push({
      engine: `${engine.line} (${ctx.engine.version})`,
      raw: median(raw),
      boot: median(boot),
      drill: median(drill),
    });
  }
  console.log(`database ${MB} MB, file:// replica, median of ${ROUNDS} rounds (ms)`);
  console.log(["engine", "raw litestream restore", "restore-on-boot step", "drill (restore + checks)"].join(" | "));
  for (const r of rows)
    console.log(
      [
        r.engine,
        r.raw.toFixed(0),
        `${r.boot.toFixed(0)} (x${(r.boot / r.raw).toFixed(2)})`,
        `${r.drill.toFixed(0)} (x${(r.drill / r.raw).toFixed(2)})`,
      ].join(" | "),
    );
} finally {
  await cleanup();
}
