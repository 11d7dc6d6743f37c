// Deploy of the unmodified Wagtail fixture (`wagtail start`, requirements from PyPI), no supervisor:
//   changed requirements: `hostctl deploy` (fetch, archive, preflight, new venv + pip install + gunicorn
//     from the warm shared pip cache, restore check, snapshot, migrate + collectstatic, gunicorn to its
//     first healthy answer, switch) vs the raw steps (git archive, python -m venv, pip install -r +
//     gunicorn with the same cache, migrate, collectstatic, gunicorn to its first 200);
//   unchanged requirements (a no-op deploy): hostctl reuses the previous release's venv vs the raw steps with
//     a hard-linked copy of the last venv (checkout, venv copy, migrate, collectstatic, start; drain excluded).
// pip vs uv: measured when uv is on PATH (python.installer: uv), else said so. BENCH_ROUNDS=N sets both
// the cold rounds (default 2) and the no-op ones (default 6).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { benchGit, cleanup, cli, fixtureRepo, freePort, median, timed, tmp } from "./lib.mjs";
import { alternate, record, rounds } from "./figures.mjs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const NOOP_ROUNDS = rounds(6, 2);
const PIP_CACHE_DIR = process.env.PIP_CACHE_DIR ?? join(process.env.HOME ?? "/root", ".cache", "hostctl-ci", "pip");

// Untimed, before each raw round: hostctl's prune removes old releases in the background, off the deploy's time.
const RAW_PREP = `set -e
if [ "$VENV" = reuse ]; then rm -rf "$WORK/keep" && mv "$WORK/release/.venv" "$WORK/keep"; fi
rm -rf "$WORK/release"`;

// $VENV=cold builds a venv; $VENV=reuse hard-links the one the previous raw round left (its paths stay valid).
const RAW = `set -e
mkdir -p "$WORK/release"
git -C "$REPO" archive --format=tar HEAD | tar -x -C "$WORK/release"
cd "$WORK/release"
if [ "$VENV" = reuse ]; then cp -al "$WORK/keep" .venv; else
python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt gunicorn
fi
# What an operator writes by hand: production settings' local.py with a key, hosts and a database kept outside the release.
printf 'SECRET_KEY = "bench"\nALLOWED_HOSTS = ["*"]\nDATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "%s/db.sqlite3"}}\n' "$WORK" > mysite/settings/local.py
export DJANGO_SETTINGS_MODULE=mysite.settings.production
.venv/bin/python manage.py migrate --noinput >/dev/null
.venv/bin/python manage.py collectstatic --noinput >/dev/null
setsid .venv/bin/gunicorn mysite.wsgi:application --bind 127.0.0.1:$PORT --workers 2 >/dev/null 2>&1 &
pid=$!
trap 'kill -TERM -$pid 2>/dev/null' EXIT
for i in $(seq 1 600); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: localhost' http://127.0.0.1:$PORT/ || true)
  [ "$code" = 200 ] && exit 0
  sleep 0.1
done
exit 1`;

async function touchRequirements(repo, round) {
  // A changed requirements file (a comment) forces a cold venv; the pip cache stays warm.
  const file = join(repo, "requirements.txt");
  writeFileSync(file, `${readFileSync(file, "utf8").replace(/\n# round .*$/s, "")}\n# round ${round}\n`);
  await benchGit(repo, "commit", "-qam", `round ${round}`);
}

try {
  const repo = await fixtureRepo("wagtail-site", "wagtail");
  const env = { PIP_CACHE_DIR };
  const home = join(tmp("wagtail-home"), "home");
  const port = await freePort();
  await cli(home, ["init", "--replica-url", `file://${tmp("wagtail-replica")}`], env);
  await cli(
    home,
    [
      "app",
      "add",
      "cms",
      "--kind",
      "wagtail",
      "--repo",
      repo,
      "--port",
      String(port),
      "--db",
      "db.sqlite3",
      "--installer",
      "pip",
    ],
    env,
  );
  const work = tmp("wagtail-raw");
  const rawEnv = { ...env, REPO: repo, WORK: work, PORT: String(await freePort()) };
  const rawSide = (venv) => async () => {
    await execa("/bin/sh", ["-c", RAW_PREP], { env: { ...rawEnv, VENV: venv } });
    return timed(() => execa("/bin/sh", ["-c", RAW], { env: { ...rawEnv, VENV: venv } }));
  };
  const raw = rawSide("cold");
  const rawNoop = rawSide("reuse");
  const ours = () => cli(home, ["deploy", "cms"], env);
  let same = 0;
  const sameCommit = () => benchGit(repo, "commit", "-q", "--allow-empty", "-m", `same ${same++}`);
  // A no-op round: a new empty commit (untimed), then the deploy, which reuses the venv.
  const oursNoop = async () => {
    await sameCommit();
    return timed(ours);
  };

  await ours(); // warm-up: the pip cache, the first migrate
  await raw();
  const cold = [];
  const rawMs = [];
  const warm = [];
  const rawWarm = [];
  for (let i = 0; i < ROUNDS; i++) {
    await touchRequirements(repo, i);
    cold.push(await timed(ours));
    rawMs.push(await raw());
  }
  // No-op rounds are cheap (5-8 s a side): more of them, alternated (bench/figures.mjs).
  const noop = await alternate(NOOP_ROUNDS, oursNoop, rawNoop);
  warm.push(...noop.ours);
  rawWarm.push(...noop.raw);
  // deploy refuses the live commit: one more (empty) commit for the step breakdown.
  await sameCommit();
  const { stdout } = await cli(home, ["deploy", "cms", "--json"], env);
  const last = JSON.parse(stdout);
  console.log(`hostctl steps, unchanged requirements (ms): ${last.steps.map((s) => `${s.name} ${s.ms}`).join(", ")}`);
  const label = "raw steps";
  record({
    bench: "wagtail",
    figure: "Wagtail deploy, changed requirements (cold venv, warm pip cache)",
    ours: cold,
    raw: rawMs,
    rawLabel: label,
    target: 1.15,
  });
  record({
    bench: "wagtail",
    figure: "no-op Wagtail deploy (requirements unchanged, venv reused)",
    ours: warm,
    raw: rawWarm,
    rawLabel: label,
    target: 1.2,
  });
  // uv: on PATH, or the copy .ci/run keeps in its cache.
  const cachedUv = join(process.env.HOME ?? "/root", ".cache", "hostctl-ci", "uv", "bin");
  const onPath = await execa("sh", ["-c", "command -v uv"], { reject: false });
  const uvDir =
    onPath.exitCode === 0 ? dirname(onPath.stdout.trim()) : existsSync(join(cachedUv, "uv")) ? cachedUv : undefined;
  if (!uvDir)
    console.log("pip vs uv: uv not found (on PATH or in the CI cache); run bash .ci/run once for the uv figures");
  else {
    const spec = join(home, "apps", "cms", "app.yml");
    writeFileSync(spec, readFileSync(spec, "utf8").replace("installer: pip", "installer: uv"));
    const uvEnv = { ...env, PATH: `${uvDir}:${process.env.PATH ?? ""}` };
    const uvMs = [];
    for (let i = 0; i < ROUNDS; i++) {
      await touchRequirements(repo, 100 + i);
      uvMs.push(await timed(() => cli(home, ["deploy", "cms"], uvEnv)));
    }
    console.log(
      `pip vs uv, changed requirements (cold venv): pip ${median(cold).toFixed(0)} ms, uv ${median(uvMs).toFixed(0)} ms`,
    );
  }
} finally {
  await cleanup();
}
