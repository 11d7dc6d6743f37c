import { cp, mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { ROOT, runCli, type CliResult } from "./cli.js";
import { freePort } from "../../src/lib/net.js";
import { waitFor } from "./wait.js";

export const FIXTURES = join(ROOT, "test", "fixtures");
export const PYTHON = "/usr/bin/python3";

/** Places a fixture as a release and points `current` at it (what a deploy leaves behind). */
export async function installRelease(
  home: string,
  app: string,
  fixture: string,
  id = "20260101T000000Z-fixture",
): Promise<string> {
  const dir = join(home, "apps", app, "releases", id);
  await mkdir(dir, { recursive: true });
  await cp(join(FIXTURES, fixture), dir, {
    recursive: true,
    filter: (src) => !/(__pycache__|db\.sqlite3|staticfiles)/.test(src),
  });
  await symlink(dir, join(home, "apps", app, "current"));
  return dir;
}

/** Runs the Django fixture's migrations against an app's data directory (a deploy's release phase). */
export async function migrateDjango(home: string, app: string, releaseDir: string): Promise<void> {
  await execa(PYTHON, ["manage.py", "migrate", "--noinput"], {
    cwd: releaseDir,
    env: { DATABASE_URL: `sqlite:///${join(home, "apps", app, "data", "db.sqlite3")}` },
  });
}

export { freePort };

/**
 * `hostctl app add NAME --kind generic --repo REPO --port <a free port> --db db.sqlite3 EXTRA…`, the app most
 * integration tests register; the caller asserts on the result.
 */
export async function addGenericApp(
  home: string,
  name: string,
  repo: string,
  extra: string[] = [],
  options: { env?: Record<string, string> } = {},
): Promise<CliResult> {
  const args = [
    "app",
    "add",
    name,
    "--kind",
    "generic",
    "--repo",
    repo,
    "--port",
    String(await freePort()),
    "--db",
    "db.sqlite3",
  ];
  return runCli(home, [...args, ...extra], options);
}

/**
 * `hostctl app add NAME --repo REPO --port PORT --db db.sqlite3 --python /usr/bin/python3 --system-site-packages
 * EXTRA…`: the Django fixture's app, whose venv sees Debian's Django instead of installing it from PyPI.
 */
export async function addDjangoApp(
  home: string,
  name: string,
  repo: string,
  port: number,
  extra: string[] = [],
  options: { env?: Record<string, string> } = {},
): Promise<CliResult> {
  const args = [
    "app",
    "add",
    name,
    "--repo",
    repo,
    "--port",
    String(port),
    "--db",
    "db.sqlite3",
    "--python",
    PYTHON,
    "--system-site-packages",
  ];
  return runCli(home, [...args, ...extra], options);
}

export async function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text() };
}

export async function httpPost(port: number, path: string, body: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, body: await response.text() };
}

/** An app the supervisor reports `running` has started its processes; its web server answers a moment later. */
export async function waitAnswering(port: number, path = "/", timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `127.0.0.1:${port}${path} answering 200`,
    async () => (await httpGet(port, path)).status === 200,
    timeoutMs,
  );
}
