// Where a fresh host's CPU goes (issue 28): CPU milliseconds of `hostctl up` on an empty home up to the first
// 200 of the Django fixture, read from /proc at that moment: the supervisor's own, and its whole process tree
// (live descendants plus every reaped child). CPU time barely moves with the machine's load, unlike wall time.
// `node bench/fresh-host-cpu.mjs [rounds]`; BENCH_DB_MB=N (default 100); BENCH_CPU_PROF=DIR adds --cpu-prof.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { CLI, CREDS, cleanup, cli, fixtureRepo, freePort, median, tmp, addDjangoApp } from "./lib.mjs";

const ROUNDS = Number(process.argv[2] ?? 5);
const MB = Number(process.env.BENCH_DB_MB ?? 100);
const TICK_MS = 1000 / 100; // USER_HZ

function stat(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return {
    ppid: Number(f[1]),
    own: (Number(f[11]) + Number(f[12])) * TICK_MS,
    reaped: (Number(f[13]) + Number(f[14])) * TICK_MS,
  };
}

function treeCpu(root) {
  const all = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      all.set(Number(name), stat(name));
    } catch {
      // exited meanwhile
    }
  }
  const inTree = (pid) => {
    for (let p = pid; p > 1; p = all.get(p)?.ppid ?? 0) if (p === root) return true;
    return false;
  };
  let tree = 0;
  for (const [pid, s] of all) if (inTree(pid)) tree += s.own + s.reaped;
  return { supervisor: all.get(root).own, tree };
}

async function firstOk(port) {
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : [];
if (process.env.BENCH_NODE_FLAGS) prof.push(...process.env.BENCH_NODE_FLAGS.split(" "));
// BENCH_UP_LOG=FILE: the supervisor's debug log of the rounds (every command it ran).
const up = (home, log) =>
  execa(process.execPath, [...prof, CLI, "--home", home, ...(log ? ["--log-level", "debug"] : []), "up"], {
    env: { ...CREDS, HOSTCTL_STOP_GRACE_MS: "5000" },
    reject: false,
    stdin: "ignore",
    stdout: log ? { file: log } : "ignore",
    stderr: "ignore",
  });

try {
  const repo = await fixtureRepo("django-app", "fresh-cpu");
  const replicaUrl = `file://${tmp("fresh-cpu-replica")}`;
  const port = await freePort();
  const hostA = join(tmp("fresh-cpu-a"), "home");
  await cli(hostA, ["init", "--replica-url", replicaUrl]);
  await addDjangoApp(hostA, repo, port);
  await cli(hostA, ["deploy", "blog"]);
  await execa("sqlite3", [join(hostA, "apps", "blog", "data", "db.sqlite3")], {
    input: `CREATE TABLE ballast(id INTEGER PRIMARY KEY, body BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ${MB * 1000}) INSERT INTO ballast(body) SELECT randomblob(1000) FROM n; PRAGMA wal_checkpoint(TRUNCATE);`,
  });
  const a = up(hostA);
  await firstOk(port);
  await new Promise((resolve) => setTimeout(resolve, 5000)); // snapshot written, registry mirrored
  a.kill("SIGTERM");
  await a;

  const rows = [];
  for (let i = 0; i < ROUNDS; i++) {
    const home = join(tmp("fresh-cpu-b"), "home");
    await cli(home, ["init", "--replica-url", replicaUrl]);
    const b = up(home, process.env.BENCH_UP_LOG);
    await firstOk(port);
    rows.push(treeCpu(b.pid));
    b.kill("SIGTERM");
    await b;
    console.log(`round ${i + 1}: supervisor ${rows[i].supervisor} ms, tree ${rows[i].tree} ms`);
  }
  console.log(
    `median of ${ROUNDS}: supervisor ${median(rows.map((r) => r.supervisor))} ms, tree ${median(rows.map((r) => r.tree))} ms`,
  );
} finally {
  await cleanup();
}
