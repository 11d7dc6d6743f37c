// A fresh host brings a site back: time from `hostctl up` on an empty home (after `init` with the same
// replica) to the first 200 of the Django fixture whose database is 100 MB, vs the raw steps in sequence:
// `litestream restore` of the same replica, then the deploy's raw steps (git archive, migrate,
// collectstatic, gunicorn to its first 200). Alternated (bench/figures.mjs). BENCH_ROUNDS=N, BENCH_DB_MB=N.
// The replica is a file:// target: fauxqs 1.9 rejects the multipart uploads Litestream's Go SDK makes for
// every snapshot over 5 MB. hostctl's side also does what a real recovery does and the raw side does not:
// the registry read, the lease, a virtualenv, the health check and Litestream's new generation.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import {
  CREDS,
  RAW_DJANGO_DEPLOY,
  ROOT,
  cleanup,
  cli,
  cpuAccounted,
  cpuRounds,
  fixtureRepo,
  freePort,
  onCleanup,
  tmp,
  addDjangoApp,
} from "./lib.mjs";
import { CORES, QUICK, alternate, coreTarget, record, rounds } from "./figures.mjs";

const ROUNDS = rounds(7, 2);
const MB = Number(process.env.BENCH_DB_MB ?? (QUICK ? 10 : 100));
const BINARY = join(ROOT, "node_modules", "@flydotio", "litestream-linux-x64", "litestream");
const QUIET = { HOSTCTL_STOP_GRACE_MS: "5000" };

async function firstOk(port, path, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no 200 from 127.0.0.1:${port}${path} within ${timeoutMs} ms`);
}

const running = new Set();
onCleanup(async () => {
  for (const child of running) {
    child.kill("SIGTERM");
    await child;
  }
});

function up(home, cpuFile) {
  // BENCH_UP_LOG=FILE keeps the supervisor's JSON debug log of the last round (where the time goes: every command it ran), stderr in FILE.stderr.
  const stdout = process.env.BENCH_UP_LOG ? { file: process.env.BENCH_UP_LOG } : "ignore";
  const stderr = process.env.BENCH_UP_LOG ? { file: `${process.env.BENCH_UP_LOG}.stderr` } : "ignore";
  const debug = process.env.BENCH_UP_LOG ? ["--log-level", "debug"] : [];
  const argv = [join(ROOT, "dist", "cli", "main.js"), "--home", home, ...debug, "up"];
  const [command, args] = cpuAccounted(cpuFile, process.execPath, argv);
  const child = execa(command, args, {
    env: { ...CREDS, ...QUIET },
    reject: false,
    forceKillAfterDelay: false,
    stdin: "ignore",
    stdout,
    stderr,
  });
  running.add(child);
  return {
    stop: async () => {
      child.kill("SIGTERM");
      const result = await child;
      running.delete(child);
      if (result.exitCode !== 0) throw new Error(`hostctl up exited ${result.exitCode}`);
    },
  };
}

const RAW = `set -e
mkdir -p "$WORK/release"
"$LITESTREAM" restore -o "$WORK/db.sqlite3" "$REPLICA"
${RAW_DJANGO_DEPLOY}`;

try {
  const repo = await fixtureRepo("django-app", "fresh");

  const replicaDir = tmp("fresh-replica");
  const replicaUrl = `file://${replicaDir}`;
  const port = await freePort();

  // Host A: deploy, grow the database to MB, replicate it, stop gracefully (the lease is released).
  const hostA = join(tmp("fresh-a"), "home");
  await cli(hostA, ["init", "--replica-url", replicaUrl]);
  await addDjangoApp(hostA, repo, port);
  await cli(hostA, ["deploy", "blog"]);
  const dbA = join(hostA, "apps", "blog", "data", "db.sqlite3");
  await execa("sqlite3", [dbA], {
    input: `CREATE TABLE ballast(id INTEGER PRIMARY KEY, body BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ${MB * 1000}) INSERT INTO ballast(body) SELECT randomblob(1000) FROM n; PRAGMA wal_checkpoint(TRUNCATE);`,
  });
  const a = up(hostA);
  await firstOk(port, "/health");
  await new Promise((resolve) => setTimeout(resolve, 5000)); // snapshot written, registry mirrored
  await a.stop();
  rmSync(hostA, { recursive: true, force: true });

  const work = tmp("fresh-raw");
  const rawEnv = {
    LITESTREAM: BINARY,
    REPLICA: `${replicaUrl}/blog/db.sqlite3`,
    REPO: repo,
    WORK: work,
    PORT: String(await freePort()),
    DATABASE_URL: `sqlite:///${join(work, "db.sqlite3")}`,
  };
  // Each side removes what its previous round wrote just before it starts, untimed: on a VM whose balloon
  // hands freed memory back to the host after a few seconds, writing 100 MB into pages freed a moment ago
  // costs about 0.2 s less than writing it into pages the host must back again, and both sides get the same.
  const raw = async (cpuFile) => {
    for (const name of ["release", "db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm"])
      rmSync(join(work, name), { recursive: true, force: true });
    const [command, args] = cpuAccounted(cpuFile, "/bin/sh", ["-c", RAW]);
    const start = process.hrtime.bigint();
    await execa(command, args, { env: rawEnv });
    return Number(process.hrtime.bigint() - start) / 1e6;
  };

  const homes = tmp("fresh-b");
  let round = 0;
  const ours = async (cpuFile) => {
    rmSync(join(homes, `b${round - 1}`), { recursive: true, force: true });
    const home = join(homes, `b${round++}`);
    await cli(home, ["init", "--replica-url", replicaUrl]);
    // The timed span ends at the first 200; the graceful stop after it (which releases the lease) is not counted.
    const start = process.hrtime.bigint();
    const b = up(home, cpuFile);
    try {
      await firstOk(port, "/health");
      return Number(process.hrtime.bigint() - start) / 1e6;
    } finally {
      await b.stop();
    }
  };

  await raw(); // warm-up: page cache, Python bytecode
  const { ours: hostctlMs, raw: rawMs } = await alternate(ROUNDS, ours, raw);
  // Each side's CPU time (bench/lib.mjs, cpuRounds): what it costs when no core is idle.
  const cpu = await cpuRounds(ours, raw);
  record({
    bench: "fresh-host",
    figure: `\`up\` on an empty home → first 200, ${MB} MB`,
    ours: hostctlMs,
    raw: rawMs,
    rawLabel: "`litestream restore` + raw deploy steps",
    target: coreTarget(1.1, 1.15),
  });
  if (cpu)
    record({
      bench: "fresh-host",
      figure: `CPU time of the whole process tree, first 200 and a graceful stop, ${MB} MB`,
      ours: cpu.ours,
      raw: cpu.raw,
      rawLabel: "raw steps",
      // Core count barely moves CPU time; on one core it becomes wall time, hence a target there.
      ...(CORES === 1 ? { target: 1.4 } : { kind: "info" }),
    });
} finally {
  await cleanup();
}
