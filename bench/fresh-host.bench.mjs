// A fresh host brings a site back: time from `hostctl up` on an empty home (after `init` with the same
// replica) to the first 200 of the Django fixture whose database is 100 MB, vs the raw steps in sequence:
// `litestream restore` of the same replica, then the deploy's raw steps (git archive, migrate,
// collectstatic, gunicorn to its first 200). Alternated (bench/figures.mjs). BENCH_ROUNDS=N, BENCH_DB_MB=N.
// The replica is a file:// target: fauxqs 1.9 rejects the multipart uploads Litestream's Go SDK makes for
// every snapshot over 5 MB. hostctl's side also does what a real recovery does and the raw side does not:
// the registry read, the lease, a virtualenv, the health check and Litestream's new generation. A third side,
// the raw steps with \`litestream replicate\` beside them, takes that new generation out of the ratio.
import { readFileSync, rmSync } from "node:fs";
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

// Each raw side writes the time of its first 200 to $FIRST_200 (RAW_DJANGO_DEPLOY does) and is timed to it, as
// hostctl's side is: neither side's shutdown (gunicorn's graceful stop took 0.2–0.5 s here) is counted.
const RAW = `set -e
mkdir -p "$WORK/release"
"$LITESTREAM" restore -o "$WORK/db.sqlite3" "$REPLICA"
${RAW_DJANGO_DEPLOY}`;

// The same steps with \`litestream replicate\` started after the restore, as hostctl starts it: its new
// generation (a full snapshot of the restored database) is then on both sides, and the ratio is hostctl's own.
const RAW_REPLICATING = `set -e
mkdir -p "$WORK/release"
"$LITESTREAM" restore -o "$WORK/db.sqlite3" "$REPLICA"
"$LITESTREAM" replicate "$WORK/db.sqlite3" "file://$WORK/replica-out" >/dev/null 2>&1 &
replicating=$!
${RAW_DJANGO_DEPLOY}
# Untimed: Litestream's new generation is written before it stops, so its CPU is on this side too.
for i in $(seq 1200); do ls "$WORK"/replica-out/generations/*/snapshots/*.lz4 >/dev/null 2>&1 && break; sleep 0.025; done
kill -TERM $replicating; wait $replicating || true`;

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
    FIRST_200: join(work, "first-200"),
  };
  // Each side removes what its previous round wrote just before it starts, untimed: on a VM whose balloon
  // hands freed memory back to the host after a few seconds, writing 100 MB into pages freed a moment ago
  // costs about 0.2 s less than writing it into pages the host must back again, and both sides get the same.
  const rawSide = (script) => async (cpuFile) => {
    for (const name of [
      "release",
      "db.sqlite3",
      "db.sqlite3-wal",
      "db.sqlite3-shm",
      ".db.sqlite3-litestream",
      "replica-out",
      "first-200",
    ])
      rmSync(join(work, name), { recursive: true, force: true });
    const [command, args] = cpuAccounted(cpuFile, "/bin/sh", ["-c", script]);
    const startedAt = Date.now();
    await execa(command, args, { env: rawEnv });
    return Number(readFileSync(rawEnv.FIRST_200, "utf8")) - startedAt;
  };
  const raw = rawSide(RAW);
  const rawReplicating = rawSide(RAW_REPLICATING);

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
  const { ours: hostctlMs, raw: rawMs, also: replicatingMs } = await alternate(ROUNDS, ours, raw, rawReplicating);
  // Each side's CPU time (bench/lib.mjs, cpuRounds): what it costs when no core is idle.
  const cpu = await cpuRounds(ours, raw, rawReplicating);
  record({
    bench: "fresh-host",
    figure: `\`up\` on an empty home → first 200, ${MB} MB`,
    ours: hostctlMs,
    raw: rawMs,
    rawLabel: "`litestream restore` + raw deploy steps",
    target: coreTarget(1.1, 1.15),
  });
  record({
    bench: "fresh-host",
    figure: `the same, against raw steps that replicate too, ${MB} MB (the difference is hostctl's own)`,
    ours: hostctlMs,
    raw: replicatingMs,
    rawLabel: "the raw steps + `litestream replicate` from the restore on",
    kind: "info",
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
  if (cpu)
    record({
      bench: "fresh-host",
      figure: `CPU time of the whole process tree, against raw steps that replicate too, ${MB} MB`,
      ours: cpu.ours,
      raw: cpu.also,
      rawLabel: "the raw steps + `litestream replicate`",
      kind: "info",
    });
} finally {
  await cleanup();
}
