// Restore-on-boot of a 100 MB database: `hostctl restore` (replica probe, litestream restore, quick_check,
// WAL, ownership) vs a raw `litestream restore` of the same replica, alternated.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { CREDS, cleanup, cli, makeDb, median, report, s3, timed, tmp } from "./lib.mjs";

const MB = Number(process.env.BENCH_DB_MB ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

try {
  const endpoint = await s3();
  const home = join(tmp("restore"), "home");
  await cli(home, ["init", "--replica-url", "s3://bench/restore", "--s3-endpoint", endpoint, "--s3-force-path-style"]);
  await cli(home, ["app", "add", "big", "--kind", "generic", "--repo", "/unused", "--port", "18001", "--db", "db.sqlite3"]);
  const db = join(home, "apps", "big", "data", "db.sqlite3");
  await makeDb(db, MB);
  const binary = join(process.cwd(), "node_modules", "@flydotio", "litestream-linux-x64", "litestream");
  const config = join(home, "run", "litestream", "big.yml");
  const replicate = execa(binary, ["replicate", "-config", config, "-no-expand-env"], { env: CREDS, reject: false });
  await new Promise((resolve) => setTimeout(resolve, 4000));
  replicate.kill("SIGTERM");
  await replicate;
  const raw = [];
  const ours = [];
  const scratch = tmp("out");
  for (let round = 0; round < ROUNDS; round++) {
    const out = join(scratch, `raw-${round}.sqlite3`);
    raw.push(await timed(() => execa(binary, ["restore", "-config", config, "-no-expand-env", "-o", out, db], { env: CREDS })));
    rmSync(out, { force: true });
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${db}${suffix}`, { force: true });
    ours.push(await timed(() => cli(home, ["restore", "big"])));
  }
  console.log(`database ${MB} MB, ${ROUNDS} rounds; raw: ${raw.map((t) => t.toFixed(0)).join(", ")} ms; hostctl: ${ours.map((t) => t.toFixed(0)).join(", ")} ms`);
  report(`restore-on-boot ${MB} MB`, median(ours), median(raw), 1.05);
} finally {
  await cleanup();
}
