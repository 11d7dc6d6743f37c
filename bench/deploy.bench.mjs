// Deploy of the Django fixture (no new requirements): `hostctl deploy` (no supervisor: fetch, archive,
// venv, restore check, snapshot, migrate, collectstatic, gunicorn to first healthy answer, switch,
// prune) vs a shell script doing the raw steps (git archive, migrate, collectstatic, gunicorn to first
// 200). Alternated, medians compared. BENCH_ROUNDS=N for more rounds.
import { cpSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { ROOT, cleanup, cli, median, report, timed, tmp } from "./lib.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PYTHON = "/usr/bin/python3";

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const RAW = `set -e
rm -rf "$WORK/release" && mkdir -p "$WORK/release"
git -C "$REPO" archive --format=tar HEAD | tar -x -C "$WORK/release"
cd "$WORK/release"
${PYTHON} manage.py migrate --noinput >/dev/null
${PYTHON} manage.py collectstatic --noinput >/dev/null
setsid ${PYTHON} -m gunicorn site_app.wsgi:application --bind 127.0.0.1:$PORT --workers 2 >/dev/null 2>&1 &
pid=$!
trap 'kill -TERM -$pid 2>/dev/null' EXIT
until curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" 2>/dev/null; do sleep 0.1; done
kill -TERM -$pid; wait $pid 2>/dev/null || true
trap - EXIT
`;

try {
  const repo = join(tmp("deploy-repo"), "app");
  cpSync(join(ROOT, "test", "fixtures", "django-app"), repo, { recursive: true });
  const git = (...args) => execa("git", ["-c", "user.name=bench", "-c", "user.email=bench@invalid", ...args], { cwd: repo });
  await git("init", "-q", "-b", "main");
  await git("add", "-A");
  await git("commit", "-qm", "v1");

  const home = join(tmp("deploy-home"), "home");
  const port = await freePort();
  await cli(home, ["init", "--replica-url", `file://${tmp("deploy-replica")}`]);
  await cli(home, ["app", "add", "blog", "--repo", repo, "--port", String(port), "--db", "db.sqlite3", "--python", PYTHON, "--healthcheck-path", "/health"]);

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
