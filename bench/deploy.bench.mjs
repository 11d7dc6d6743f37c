// Deploy of the Django fixture (no new requirements): `hostctl deploy` (no supervisor: fetch, archive,
// venv, restore check, snapshot, migrate, collectstatic, gunicorn to first healthy answer, switch,
// prune) vs a shell script doing the raw steps (git archive, migrate, collectstatic, gunicorn to first
// 200). Alternated, medians compared. BENCH_ROUNDS=N for more rounds.
import { join } from "node:path";
import { execa } from "execa";
import { RAW_DJANGO_DEPLOY, cleanup, cli, fixtureRepo, freePort, median, report, timed, tmp } from "./lib.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PYTHON = "/usr/bin/python3";

const RAW = `set -e
rm -rf "$WORK/release" && mkdir -p "$WORK/release"
${RAW_DJANGO_DEPLOY}`;

try {
  const repo = await fixtureRepo("django-app", "deploy");

  const home = join(tmp("deploy-home"), "home");
  const port = await freePort();
  await cli(home, ["init", "--replica-url", `file://${tmp("deploy-replica")}`]);
  await cli(home, ["app", "add", "blog", "--repo", repo, "--port", String(port), "--db", "db.sqlite3", "--python", PYTHON, "--system-site-packages", "--healthcheck-path", "/health"]);

  const work = tmp("deploy-raw");
  const rawEnv = { REPO: repo, WORK: work, PORT: String(await freePort()), DATABASE_URL: `sqlite:///${join(work, "db.sqlite3")}` };
  const raw = () => execa("/bin/sh", ["-c", RAW], { env: rawEnv });
  const ours = () => cli(home, ["deploy", "blog"]);

  // Warm-up: first migrate of each database, page cache.
  await ours();
  await raw();
  const hostctlMs = [];
  const rawMs = [];
  for (let i = 0; i < ROUNDS; i++) {
    hostctlMs.push(await timed(ours));
    rawMs.push(await timed(raw));
  }
  const { stdout } = await cli(home, ["deploy", "blog", "--json"]);
  const last = JSON.parse(stdout);
  console.log(`hostctl steps (ms): ${last.steps.map((s) => `${s.name} ${s.ms}`).join(", ")}; web start → healthy ${last.health_ms} ms`);
  report(`deploy (${ROUNDS} rounds, medians)`, median(hostctlMs), median(rawMs), 1.15);
} finally {
  await cleanup();
}
