// Restore-on-boot of a 100 MB database: the step (replica probe, litestream restore, its proof by
// PRAGMA quick_check, WAL, ownership) vs the raw steps it wraps, `litestream restore` of the same replica and
// `sqlite3 … 'PRAGMA quick_check'` of what it wrote, alternated; and, as information, vs `litestream restore`
// alone (the raw side before 2026-11-30: the proof is work the step does on purpose, docs/benchmarks.md,
// "Issue 15: the decision").
// The replica is a file:// target: fauxqs 1.9 rejects the multipart uploads of Litestream's Go SDK
// ("InvalidPart"), which every snapshot over 5 MB uses; the overhead measured here is hostctl's own.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { CREDS, ROOT, cleanup, cli, hostContext, makeDb, timed, tmp } from "./lib.mjs";
import { QUICK, record, rounds } from "./figures.mjs";

const dist = (path) => import(join(ROOT, "dist", path));
const { ensureDatabases } = await dist("restore/restore-app.js");
const { loadAppSpec } = await dist("config/app.js");

const MB = Number(process.env.BENCH_DB_MB ?? (QUICK ? 10 : 100));
const ROUNDS = rounds(9, 5);

try {
  const home = join(tmp("restore"), "home");
  await cli(home, ["init", "--replica-url", `file://${tmp("replica")}`]);
  await cli(home, [
    "app",
    "add",
    "big",
    "--kind",
    "generic",
    "--repo",
    "/unused",
    "--port",
    "18001",
    "--db",
    "db.sqlite3",
  ]);
  const db = join(home, "apps", "big", "data", "db.sqlite3");
  await makeDb(db, MB);
  const binary = join(process.cwd(), "node_modules", "@flydotio", "litestream-linux-x64", "litestream");
  const config = join(home, "run", "litestream", "big.yml");
  const replicate = execa(binary, ["replicate", "-config", config, "-no-expand-env"], {
    env: CREDS,
    reject: false,
    all: true,
    buffer: false,
  });
  await new Promise((resolve) => {
    let seen = "";
    replicate.all.on("data", (chunk) => {
      seen += chunk.toString();
      if (seen.includes("snapshot written") && seen.includes("wal segment written")) resolve();
    });
  });
  replicate.kill("SIGTERM");
  await replicate;
  const raw = [];
  const rawRestore = [];
  const ours = [];
  const cliRuns = [];
  const ctx = await hostContext(home);
  const spec = await loadAppSpec(ctx.paths, "big");
  const scratch = tmp("out");
  const clear = () => {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${db}${suffix}`, { force: true });
  };
  const sides = {
    raw: async () => {
      // Like the other sides, it removes what its previous round wrote just before it starts (untimed).
      const out = join(scratch, "raw.sqlite3");
      rmSync(out, { force: true });
      const start = performance.now();
      await execa(binary, ["restore", "-config", config, "-no-expand-env", "-o", out, db], { env: CREDS });
      rawRestore.push(performance.now() - start);
      const { stdout } = await execa("sqlite3", ["-batch", "-bail", "-readonly", out, "PRAGMA quick_check;"]);
      raw.push(performance.now() - start);
      if (stdout.trim() !== "ok") throw new Error(`raw side: quick_check said ${stdout}`);
    },
    ours: async () => {
      clear();
      ours.push(await timed(() => ensureDatabases(spec, ctx)));
    },
    cli: async () => {
      clear();
      cliRuns.push(await timed(() => cli(home, ["restore", "big"])));
    },
  };
  // Alternated: each round reverses the order of the three sides.
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? ["raw", "ours", "cli"] : ["cli", "ours", "raw"]) await sides[side]();
  }
  record({
    bench: "restore",
    figure: `restore-on-boot step, ${MB} MB (probe + restore + quick_check + WAL)`,
    ours,
    raw,
    rawLabel: "`litestream restore` + `quick_check`",
    target: 1.05,
  });
  record({
    bench: "restore",
    figure: `the same step against \`litestream restore\` alone, ${MB} MB (the difference is its proof)`,
    ours,
    raw: rawRestore,
    rawLabel: "`litestream restore`",
    kind: "info",
  });
  record({
    bench: "restore",
    figure: `\`hostctl restore\` command, ${MB} MB (adds Node start-up)`,
    ours: cliRuns,
    raw,
    rawLabel: "`litestream restore` + `quick_check`",
    kind: "info",
  });
} finally {
  await cleanup();
}
