// Deploy of the Django fixture (no new requirements): `hostctl deploy` (no supervisor: fetch, archive,
// venv, restore check, snapshot, migrate, collectstatic, gunicorn to first healthy answer, switch,
// prune) vs a shell script doing the raw steps (git archive, migrate, collectstatic, gunicorn to first
// 200). Alternated (bench/figures.mjs). BENCH_ROUNDS=N for more rounds.
import { join } from "node:path";
import { execa } from "execa";
import {
  CLI,
  CREDS,
  RAW_DJANGO_DEPLOY,
  benchGit,
  cleanup,
  cli,
  cpuAccounted,
  cpuRounds,
  fixtureRepo,
  freePort,
  tmp,
  addDjangoApp,
} from "./lib.mjs";
import { alternate, record, rounds } from "./figures.mjs";

const ROUNDS = rounds(9, 3);

const RAW = `set -e
rm -rf "$WORK/release" && mkdir -p "$WORK/release"
${RAW_DJANGO_DEPLOY}`;

try {
  const repo = await fixtureRepo("django-app", "deploy");

  const home = join(tmp("deploy-home"), "home");
  const port = await freePort();
  await cli(home, ["init", "--replica-url", `file://${tmp("deploy-replica")}`]);
  await addDjangoApp(home, repo, port);

  const work = tmp("deploy-raw");
  const rawEnv = {
    REPO: repo,
    WORK: work,
    PORT: String(await freePort()),
    DATABASE_URL: `sqlite:///${join(work, "db.sqlite3")}`,
  };
  const raw = (cpuFile) => {
    return execa(...cpuAccounted(cpuFile, "/bin/sh", ["-c", RAW]), { env: rawEnv });
  };
  // Each round deploys a new commit (deploy refuses the live one); committing is not timed.
  let commits = 0;
  const ours = async (cpuFile) => {
    await benchGit(repo, "commit", "-q", "--allow-empty", "-m", `v${++commits}`);
    const start = process.hrtime.bigint();
    await execa(...cpuAccounted(cpuFile, process.execPath, [CLI, "--home", home, "deploy", "blog"]), { env: CREDS });
    return Number(process.hrtime.bigint() - start) / 1e6;
  };

  // Warm-up: first migrate of each database, page cache.
  await ours();
  await raw();
  const { ours: hostctlMs, raw: rawMs } = await alternate(ROUNDS, ours, raw);
  // Each side's CPU time (bench/lib.mjs, cpuRounds): what it costs when no core is idle.
  const cpu = await cpuRounds(ours, raw);
  await benchGit(repo, "commit", "-q", "--allow-empty", "-m", "last");
  const { stdout } = await cli(home, ["deploy", "blog", "--json"]);
  const last = JSON.parse(stdout);
  console.log(
    `hostctl steps (ms): ${last.steps.map((s) => `${s.name} ${s.ms}`).join(", ")}; web start → healthy ${last.health_ms} ms`,
  );
  record({
    bench: "deploy",
    figure: "deploy of the Django fixture, no supervisor",
    ours: hostctlMs,
    raw: rawMs,
    rawLabel: "raw steps",
    target: 1.15,
  });
  if (cpu)
    record({
      bench: "deploy",
      figure: "CPU time of the whole process tree, deploy of the Django fixture",
      ours: cpu.ours,
      raw: cpu.raw,
      rawLabel: "raw steps",
      kind: "info",
    });
} finally {
  await cleanup();
}
