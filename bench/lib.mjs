// Shared bench plumbing: temp homes, a loopback S3 (fauxqs), the built CLI, timing.
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { startFauxqs } from "fauxqs";
import { QUICK } from "./figures.mjs";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const CLI = join(ROOT, "dist", "cli", "main.js");
/** What templates/hostctl.service sets for `hostctl up` (its V8 flags). */
export const SUPERVISOR_ENV = { NODE_OPTIONS: "--max-semi-space-size=2" };
export const CREDS = { AWS_ACCESS_KEY_ID: "bench", AWS_SECRET_ACCESS_KEY: "bench-secret" };
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const cleanups = [];
export function onCleanup(fn) {
  cleanups.push(fn);
}
export async function cleanup() {
  for (const fn of cleanups.reverse()) await fn();
}
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => void cleanup().then(() => process.exit(130)));

export function tmp(label) {
  const dir = mkdtempSync(join(tmpdir(), `hostctl-bench-${label}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function s3() {
  const server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
  server.createBucket("bench");
  onCleanup(() => server.stop());
  return `http://127.0.0.1:${server.port}`;
}

/** A HostContext for an in-process bench side (restore step, drill), built from dist/ as the CLI builds its own. */
export async function hostContext(home, env = CREDS) {
  const dist = (path) => import(join(ROOT, "dist", path));
  const [{ loadHostContext }, { hostPaths }, { createLogger }, { createRunner }, { systemClock }] = await Promise.all([
    dist("host/context.js"),
    dist("config/paths.js"),
    dist("lib/log.js"),
    dist("lib/exec.js"),
    dist("lib/clock.js"),
  ]);
  const log = createLogger("silent");
  return loadHostContext({
    paths: hostPaths(home),
    log,
    logLevel: undefined,
    run: createRunner(log),
    clock: systemClock,
    env,
    progress: () => undefined,
  });
}

export function cli(home, args, env = {}) {
  return execa(process.execPath, [CLI, "--home", home, ...args], { env: { ...CREDS, ...env } });
}

/** Registers the Django fixture as app `blog`; its venv sees Debian's Django instead of installing it. */
export function addDjangoApp(home, repo, port, extra = []) {
  const python = ["--python", "/usr/bin/python3", "--system-site-packages"];
  const args = ["app", "add", "blog", "--repo", repo, "--port", String(port), "--db", "db.sqlite3", ...python];
  return cli(home, [...args, "--healthcheck-path", "/health", ...extra]);
}

export async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** A SQLite database of about `mb` MB in WAL mode (1 KiB random rows). */
export async function makeDb(path, mb) {
  const rows = mb * 1000;
  await execa("sqlite3", [path], {
    input: `PRAGMA journal_mode=WAL; CREATE TABLE blobs(id INTEGER PRIMARY KEY, body BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < ${rows}) INSERT INTO blobs(body) SELECT randomblob(1000) FROM n; PRAGMA wal_checkpoint(TRUNCATE);`,
  });
}

/**
 * The CPU time (user + sys, ms) of a command and every descendant it waited for: the command runs under a
 * small Python parent that forwards SIGTERM/SIGINT and, once it exits, appends getrusage(RUSAGE_CHILDREN) to
 * `file` as "user_s sys_s". Returns the command and arguments to spawn: the command's own without a `file`. Under a saturated machine wall time follows CPU time,
 * so this is what a side costs when no core is idle (docs/benchmarks.md, "Issue 15: the decision").
 */
export function cpuAccounted(file, command, args) {
  if (!file) return [command, args];
  const parent = [
    "import resource, signal, subprocess, sys",
    "child = subprocess.Popen(sys.argv[2:])",
    "for s in (signal.SIGTERM, signal.SIGINT): signal.signal(s, lambda n, f: child.send_signal(n))",
    "child.wait()",
    "r = resource.getrusage(resource.RUSAGE_CHILDREN)",
    "open(sys.argv[1], 'a').write(f'{r.ru_utime} {r.ru_stime}\\n')",
    "sys.exit(child.returncode if child.returncode >= 0 else 128 - child.returncode)",
  ].join("\n");
  return ["/usr/bin/python3", ["-c", parent, file, command, ...args]];
}

/** The CPU milliseconds of each run `cpuAccounted` appended to `file`. */
function cpuMs(file) {
  return readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((line) => line.split(" ").map(Number))
    .map(([user, sys]) => (user + sys) * 1000);
}

/**
 * Untimed rounds after a bench's timed ones (none under --quick): `ours(file)`, `raw(file)` and `also(file)`
 * (optional) run their side's command under cpuAccounted(file, …). Each side's CPU milliseconds, or undefined
 * when none ran.
 */
export async function cpuRounds(ours, raw, also) {
  const n = QUICK ? 0 : Number(process.env.BENCH_CPU_ROUNDS ?? 3);
  if (n === 0) return undefined;
  const dir = tmp("cpu");
  const files = { ours: join(dir, "ours"), raw: join(dir, "raw"), also: join(dir, "also") };
  for (let i = 0; i < n; i++) {
    await ours(files.ours);
    await raw(files.raw);
    if (also) await also(files.also);
  }
  return { ours: cpuMs(files.ours), raw: cpuMs(files.raw), also: also ? cpuMs(files.also) : undefined };
}

export const { freePort } = await import(join(ROOT, "dist", "lib", "net.js"));

/** git in `repo` with the benches' committer (the machine may have none configured). */
export function benchGit(repo, ...args) {
  return execa("git", ["-c", "user.name=bench", "-c", "user.email=bench@invalid", ...args], { cwd: repo });
}

/** A Git repository (branch main, one commit "v1") holding a copy of a test fixture app. */
export async function fixtureRepo(fixture, label = fixture) {
  const repo = join(tmp(`${label}-repo`), "app");
  cpSync(join(ROOT, "test", "fixtures", fixture), repo, { recursive: true });
  const git = (...args) => benchGit(repo, ...args);
  await git("init", "-q", "-b", "main");
  await git("add", "-A");
  await git("commit", "-qm", "v1");
  return repo;
}

/**
 * The deploy's raw steps for the Django fixture, as a shell script: git archive of $REPO into $WORK/release,
 * migrate, collectstatic, gunicorn on $PORT until its first 200 on /health (its time, in ms since the epoch,
 * written to $FIRST_200 when that is set), then stopped.
 */
export const RAW_DJANGO_DEPLOY = `git -C "$REPO" archive --format=tar HEAD | tar -x -C "$WORK/release"
cd "$WORK/release"
/usr/bin/python3 manage.py migrate --noinput >/dev/null
/usr/bin/python3 manage.py collectstatic --noinput >/dev/null
setsid /usr/bin/python3 -m gunicorn site_app.wsgi:application --bind 127.0.0.1:$PORT --workers 2 >/dev/null 2>&1 &
pid=$!
trap 'kill -TERM -$pid 2>/dev/null' EXIT
until curl -fs -o /dev/null "http://127.0.0.1:$PORT/health" 2>/dev/null; do sleep 0.025; done
if [ -n "$FIRST_200" ]; then date +%s%3N > "$FIRST_200"; fi
kill -TERM -$pid; wait $pid 2>/dev/null || true
trap - EXIT
`;

export function report(name, hostctlMs, rawMs, target) {
  const ratio = hostctlMs / rawMs;
  console.log(
    `${name}: hostctl ${hostctlMs.toFixed(0)} ms vs raw ${rawMs.toFixed(0)} ms → ratio ${ratio.toFixed(3)} (target ≤ ${target}) ${ratio <= target ? "OK" : "OVER"}`,
  );
  return ratio;
}
