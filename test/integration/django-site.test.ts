import { readlink, realpath } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { FIXTURES, freePort, httpGet } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import { appsRunning, killAllSupervisors, startSupervisor, waitForSocket } from "../helpers/supervisor.js";
import { pipCacheDir } from "../helpers/tools.js";
import { waitFor } from "../helpers/wait.js";

// A `django-admin startproject` project (DEBUG = True, a hard-coded SQLite path, no Procfile, no
// gunicorn) whose requirements come from PyPI, one of them (django-htmx) not packaged by Debian.
const env = { PIP_CACHE_DIR: pipCacheDir };
let home: string;
let repo: TestRepo;
let port: number;

beforeAll(async () => {
  home = join(await tempDir(), "home");
  repo = await gitRepo({ fixture: join(FIXTURES, "django-site") });
  port = await freePort();
  expect((await runCli(home, ["init", "--replica-url", `file://${join(await tempDir(), "replica")}`])).exitCode).toBe(
    0,
  );
  expect(
    (
      await runCli(home, [
        "app",
        "add",
        "shop",
        "--repo",
        repo.dir,
        "--port",
        String(port),
        "--db",
        "db.sqlite3",
        "--domain",
        "shop.test",
      ])
    ).exitCode,
  ).toBe(0);
  await startSupervisor(home, env);
  await waitForSocket(home);
  await waitFor("the first deploy of shop", () => appsRunning(home, 1), 300_000, 1000);
}, 360_000);

afterAll(async () => {
  await killAllSupervisors();
  await cleanupTempDirs();
});

describe("a Django 5.2 project from PyPI, unmodified", () => {
  it("serves through the venv's gunicorn with a PyPI-only package imported by the web process", async () => {
    await waitFor("shop answering", async () => (await httpGet(port, "/")).status === 200, 30_000);
    expect((await httpGet(port, "/")).body).toBe("notes: 0 htmx: django_htmx.middleware");
    const web = await runCli(home, ["logs", "shop", "--process", "web"]);
    expect(web.stdout).toMatch(/Booting worker/);
  });

  it("a 500 raised by a view is in hostctl logs with its traceback", async () => {
    expect((await httpGet(port, "/boom")).status).toBe(500);
    await waitFor(
      "the traceback in hostctl logs",
      async () => {
        const logs = (await runCli(home, ["logs", "shop", "--process", "web", "-n", "200"])).stdout;
        return (
          logs.includes("Traceback (most recent call last)") &&
          logs.includes("RuntimeError: boom: a view that fails on purpose")
        );
      },
      20_000,
    );
  });

  it("hostctl run and manage use the live release's venv and env, and pass the exit status back", async () => {
    const current = await realpath(join(home, "apps", "shop", "current"));
    const probe = await runCli(home, [
      "run",
      "shop",
      "--",
      "python",
      "-c",
      "import sys, os, django_htmx; print(sys.prefix, os.environ['DATABASE_URL'])",
    ]);
    expect(probe.exitCode, probe.stderr).toBe(0);
    expect(probe.stdout.trim()).toBe(
      `${join(current, ".venv")} sqlite:///${join(home, "apps", "shop", "data", "db.sqlite3")}`,
    );
    expect((await runCli(home, ["run", "shop", "--", "sh", "-c", "exit 5"])).exitCode).toBe(5);
    const check = await runCli(home, ["manage", "shop", "check"]);
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).toContain("System check identified no issues");
  });

  it(
    "a release whose requirements do not resolve fails at build with pip's message; the old release keeps serving",
    { timeout: 180_000 },
    async () => {
      const before = await readlink(join(home, "apps", "shop", "current"));
      await repo.commit("a requirement that does not exist", {
        "requirements.txt": "Django>=5.2,<5.3\ndjango-htmx>=1.19,<2\nhostctl-no-such-package-for-tests==1.0\n",
      });
      const deploy = await runCli(home, ["deploy", "shop"], { env, timeoutMs: 170_000 });
      expect(deploy.exitCode).toBe(1);
      expect(deploy.stderr).toContain('failed at step "build"');
      expect(deploy.stderr).toMatch(/No matching distribution found for hostctl-no-such-package-for-tests==1\.0/);
      expect(await readlink(join(home, "apps", "shop", "current"))).toBe(before);
      expect((await httpGet(port, "/")).status).toBe(200);
    },
  );

  it(
    "app check inspects a commit without deploying: warnings for DEBUG and the hard-coded database, a pin that does not exist for this Python fails",
    { timeout: 180_000 },
    async () => {
      const good = await runCli(home, ["app", "check", "shop", "--ref", await repo.git("rev-parse", "HEAD~1")], {
        env,
        timeoutMs: 170_000,
      });
      expect(good.exitCode, good.stderr).toBe(0);
      expect(good.stdout).toMatch(/^ok\s+settings: shop\.settings \(from manage\.py\)$/m);
      expect(good.stdout).toMatch(
        /^ok\s+web: inferred: <release>\/\.venv\/bin\/gunicorn shop\.wsgi:application --bind 127\.0\.0\.1:\$PORT/m,
      );
      expect(good.stdout).toMatch(/^warn\s+DEBUG: shop\.settings sets DEBUG = True \(the shim sets DEBUG = False\)$/m);
      expect(good.stdout).toMatch(/^warn\s+database path: the settings hard-code an SQLite path/m);
      expect(good.stdout).toMatch(/^ok\s+requirements resolve/m);
      // `wagtail start` pins Django 6, which needs Python 3.12: found before any deploy.
      await repo.commit("Django 6", { "requirements.txt": "Django>=6,<6.1\n" });
      const bad = await runCli(home, ["app", "check", "shop"], { env, timeoutMs: 170_000 });
      expect(bad.exitCode).toBe(1);
      // The interpreter as resolved (python3 on PATH: nothing in the repository asks for a version), by its path.
      expect(bad.stdout).toMatch(
        /^ok\s+python: (\S+\/python3) \(3\.\d+\.\d+; python3 on PATH \(no python\.version, runtime\.txt or \.python-version\)\)$/m,
      );
      expect(bad.stdout).toMatch(
        /^FAIL\s+requirements resolve: pip cannot resolve requirements\.txt for \S+\/python3: ERROR: .*Django/m,
      );
    },
  );

  it("deploy runs the same checks first: a commit without requirements fails before building", async () => {
    const before = await readlink(join(home, "apps", "shop", "current"));
    await repo.commit("no requirements", { "requirements.txt": null });
    const deploy = await runCli(home, ["deploy", "shop"], { env, timeoutMs: 170_000 });
    expect(deploy.exitCode).toBe(1);
    expect(deploy.stderr).toContain('failed at step "checkout"');
    expect(deploy.stderr).toContain(
      "preflight: requirements: no requirements.txt: the isolated venv would have no Django",
    );
    expect(await readlink(join(home, "apps", "shop", "current"))).toBe(before);
  });
});
