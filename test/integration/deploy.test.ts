import { readFile, readdir, readlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { pathExists } from "../../src/lib/fs.js";
import { FIXTURES, addDjangoApp, freePort, httpGet, PYTHON } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import { sql } from "../helpers/sqlite.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";

let home: string;
let repo: TestRepo;
let port: number;
const APP = "blog";
const started: ResultPromise[] = [];

const appDir = (): string => join(home, "apps", APP);
const db = (): string => join(appDir(), "data", "db.sqlite3");
const currentId = async (): Promise<string> =>
  resolve(appDir(), await readlink(join(appDir(), "current")))
    .split("/")
    .at(-1) ?? "";
const variant = (name: string): Promise<string> => readFile(join(FIXTURES, "django-variants", name), "utf8");

/** What "serving" means without a supervisor: the current release's web process, started as `hostctl up` would. */
async function serveCurrent(): Promise<{ body: string; stop: () => Promise<void> }> {
  const release = resolve(appDir(), await readlink(join(appDir(), "current")));
  const child = execa(
    "/bin/sh",
    ["-c", `exec ${PYTHON} -m gunicorn site_app.wsgi:application --bind 127.0.0.1:${port} --workers 1`],
    {
      cwd: release,
      detached: true,
      reject: false,
      env: { DATABASE_URL: `sqlite:///${db()}` },
    },
  );
  started.push(child);
  const stop = async (): Promise<void> => {
    if (child.pid) process.kill(-child.pid, "SIGTERM");
    await child;
  };
  try {
    const answer = await waitFor(
      "the current release to answer",
      async () => (await httpGet(port, "/")).body,
      20_000,
      100,
    );
    return { body: answer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function deploy(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return runCli(home, ["deploy", APP, ...args], { timeoutMs: 90_000 });
}

async function dbState(): Promise<{ schema: string; rows: string }> {
  return {
    schema: await sql(db(), "SELECT sql FROM sqlite_master ORDER BY name;", true),
    rows: await sql(db(), "SELECT * FROM notes_note ORDER BY id;", true),
  };
}

async function setSpec(edit: (text: string) => string): Promise<void> {
  const file = join(appDir(), "app.yml");
  await writeFile(file, edit(await readFile(file, "utf8")));
}

beforeAll(async () => {
  home = join(await tempDir("deploy"), "home");
  port = await freePort();
  repo = await gitRepo({ fixture: join(FIXTURES, "django-app") });
  const init = await runCli(home, ["init", "--replica-url", `file://${join(await tempDir("replica"), "r")}`]);
  expect(init.exitCode, init.stderr).toBe(0);
  const add = await addDjangoApp(home, APP, repo.dir, port, ["--healthcheck-path", "/health"]);
  expect(add.exitCode, add.stderr).toBe(0);
  // A broken release answers 500 at once; no need to wait the default 30s for it to recover.
  await setSpec((t) => t.replace("timeout: 30s", "timeout: 4s"));
});

afterAll(async () => {
  for (const child of started) {
    if (child.pid) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await child.catch(() => undefined);
  }
  await cleanupTempDirs();
});

describe("hostctl deploy", () => {
  let v1: string;
  let v2: string;

  it("a first deploy whose build fails leaves no release dir and no snapshot (taken beside the build) behind", async () => {
    await setSpec((t) => `${t}build: exit 3\n`);
    try {
      const result = await deploy();
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('failed at step "build"');
      expect(await readdir(join(appDir(), "releases"))).toEqual([]);
      expect((await pathExists(join(appDir(), "snapshots"))) ? await readdir(join(appDir(), "snapshots")) : []).toEqual(
        [],
      );
    } finally {
      await setSpec((t) => t.replace("build: exit 3\n", ""));
    }
  });

  it("deploys v1: a release dir without .git, built, migrated, health-checked and current; v1 is served", async () => {
    const result = await deploy("--json");
    expect(result.exitCode, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { release: string; commit: string; steps: { name: string }[] };
    v1 = out.release;
    expect(v1).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{7}$/);
    expect(out.steps.map((s) => s.name)).toEqual([
      "fetch",
      "checkout",
      "build",
      "restore",
      "snapshot",
      "release",
      "start",
      "switch",
      "prune",
    ]);
    expect(result.stderr).toMatch(/-----> release\s+\d+\.\d+s/);
    expect(await currentId()).toBe(v1);
    const files = await readdir(join(appDir(), "releases", v1));
    expect(files).not.toContain(".git");
    expect(files).toEqual(expect.arrayContaining([".venv", "staticfiles", "manage.py", ".hostctl-release.json"]));
    expect(await readdir(join(appDir(), "snapshots", v1))).toEqual(["db.sqlite3"]);
    const served = await serveCurrent();
    expect(served.body).toBe("ok v1");
    await served.stop();
  });

  it("deploys v2 with a new field and migration; old rows are kept and v2 is served", async () => {
    await sql(
      db(),
      "INSERT INTO notes_note (body, created_at) VALUES ('first', '2025-01-01 00:00:00'), ('second', '2025-01-01 00:00:01');",
    );
    await repo.commit("v2: note title", {
      "notes/models.py": await variant("models_v2.py"),
      "notes/migrations/0002_note_title.py": await variant("0002_note_title.py"),
      "site_app/version.py": 'VERSION = "v2"\n',
    });
    const result = await deploy("--json");
    expect(result.exitCode, result.stderr).toBe(0);
    v2 = (JSON.parse(result.stdout) as { release: string }).release;
    expect(await currentId()).toBe(v2);
    expect(await sql(db(), "SELECT body, title FROM notes_note ORDER BY id;", true)).toBe("first|\nsecond|");
    const served = await serveCurrent();
    expect(served.body).toBe("ok v2");
    await served.stop();
  });

  it("a failing migration exits 1 naming the step; v2 stays current, schema and rows as before, the release dir is gone", async () => {
    const before = await dbState();
    const broken = (await variant("0002_broken.py")).replace(
      '("notes", "0001_initial")',
      '("notes", "0002_note_title")',
    );
    await repo.commit("v3: broken migration", {
      "notes/migrations/0003_broken.py": broken,
      "site_app/version.py": 'VERSION = "v3"\n',
    });
    const releasesBefore = await readdir(join(appDir(), "releases"));
    const result = await deploy();
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'error[DEPLOY_FAILED]: deploy of blog failed at step "release": manage.py migrate --noinput failed',
    );
    expect(result.stderr).toContain("no_such_table");
    expect(result.stderr).toContain(`releases/${v2} is still current`);
    expect(await currentId()).toBe(v2);
    expect(await dbState()).toEqual(before);
    expect(await readdir(join(appDir(), "releases"))).toEqual(releasesBefore);
  });

  it("a release phase that changes the schema and then fails gets the database put back from the snapshot", async () => {
    const before = await dbState();
    await repo.commit("v3b: release command that half-works", {
      "notes/migrations/0003_broken.py": null,
      Procfile: `${await readFile(join(FIXTURES, "django-app", "Procfile"), "utf8")}release: sqlite3 "$HOSTCTL_DATA_DIR/db.sqlite3" "CREATE TABLE junk(x); DELETE FROM notes_note;" && echo half-done && exit 3\n`,
    });
    const result = await deploy();
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('failed at step "release"');
    expect(result.stderr).toContain("half-done");
    expect(result.stderr).toContain("restored db.sqlite3 from snapshots/");
    expect(await dbState()).toEqual(before);
    expect(await currentId()).toBe(v2);
  });

  it("a release whose health path answers 500 exits 1 naming the health check; v2 stays current", async () => {
    const views = await readFile(join(repo.dir, "notes", "views.py"), "utf8");
    await repo.commit("v4: unhealthy", {
      Procfile: await readFile(join(FIXTURES, "django-app", "Procfile"), "utf8"),
      "notes/views.py": views.replace(
        'return JsonResponse({"ok": True, "version": VERSION})',
        'return JsonResponse({"ok": False}, status=500)',
      ),
      "site_app/version.py": 'VERSION = "v4"\n',
    });
    const result = await deploy();
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'failed at step "start": health check failed: GET /health (Host: localhost) answered 500',
    );
    expect(await currentId()).toBe(v2);
    expect((await readdir(join(appDir(), "releases"))).sort()).toEqual([v1, v2].sort());
    // Back to a healthy head for the tests that follow.
    await repo.commit("v5: healthy again", { "notes/views.py": views, "site_app/version.py": 'VERSION = "v5"\n' });
  });

  it("releases lists every release with commit, message and the current marker", async () => {
    const result = await runCli(home, ["releases", APP, "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const list = JSON.parse(result.stdout) as {
      id: string;
      current: boolean;
      previous: boolean;
      message: string;
      commit: string;
    }[];
    expect(list.map((r) => [r.id, r.current, r.previous, r.message])).toEqual([
      [v2, true, false, "v2: note title"],
      [v1, false, true, "v1"],
    ]);
    const text = await runCli(home, ["releases", APP]);
    expect(text.stdout).toMatch(new RegExp(`^\\*\\s+${v2}\\s+[0-9a-f]{7}\\s+\\d+s ago\\s+v2: note title$`, "m"));
  });

  it("rollback across an applied migration is refused, naming it; --force returns to the previous release, and a second rollback comes back", async () => {
    const refused = await runCli(home, ["rollback", APP]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(
      `error[DEPLOY_REFUSED]: not rolling blog back to ${v1}: the database has a migration that release does not know: notes.0002_note_title`,
    );
    expect(refused.stderr).toContain("--force");
    expect(await currentId()).toBe(v2);
    const back = await runCli(home, ["rollback", APP, "--force"]);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(back.stdout).toContain(`from ${v2} to ${v1}`);
    expect(await currentId()).toBe(v1);
    const served = await serveCurrent();
    expect(served.body).toBe("ok v1");
    await served.stop();
    const forth = await runCli(home, ["rollback", APP]);
    expect(forth.exitCode, forth.stderr).toBe(0);
    expect(await currentId()).toBe(v2);
    const unknown = await runCli(home, ["rollback", APP, "--to", "20200101T000000Z-abcdef0"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("error[RELEASE_NOT_FOUND]");
  });

  it("two concurrent deploys: exactly one runs, the other names the holder", async () => {
    const lock = join(home, "run", "locks", "deploy-blog.lock");
    const procfile = await readFile(join(FIXTURES, "django-app", "Procfile"), "utf8");
    // A release phase that takes a few seconds keeps the first deploy inside its lock long enough.
    await repo.commit("slow release phase", {
      Procfile: `${procfile}release: sleep 3 && ${PYTHON} manage.py migrate --noinput\n`,
    });
    const first = deploy();
    // Start the second once the first holds the lock, so they overlap however loaded the machine is.
    await waitFor("the first deploy to take the lock", () => pathExists(lock), 30_000, 20);
    const second = await deploy();
    const firstResult = await first;
    expect(firstResult.exitCode, firstResult.stderr).toBe(0);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(
      /error\[DEPLOY_LOCKED\]: another deploy of blog is running: pid \d+ \(hostctl deploy, ref main\)/,
    );
    expect(await pathExists(lock)).toBe(false);
    await repo.commit("v5b: usual release phase", { Procfile: procfile });
  });

  it("a stale lock left by a dead deploy is taken over", async () => {
    const dead = execa("true");
    await dead;
    await writeFile(
      join(home, "run", "locks", "deploy-blog.lock"),
      JSON.stringify({ pid: dead.pid, started_at: "2025-01-01T00:00:00Z", ref: "main", command: "hostctl deploy" }),
    );
    const result = await deploy();
    expect(result.exitCode, result.stderr).toBe(0);
  });

  it("keeps deploy.keep_releases releases, never pruning the current or previous one", async () => {
    await setSpec((t) => t.replace("keep_releases: 5", "keep_releases: 3"));
    for (const n of [6, 7]) {
      await repo.commit(`v${n}`, { "site_app/version.py": `VERSION = "v${n}"\n` });
      const result = await deploy();
      expect(result.exitCode, result.stderr).toBe(0);
    }
    const list = JSON.parse((await runCli(home, ["releases", APP, "--json"])).stdout) as {
      message: string;
      current: boolean;
      previous: boolean;
    }[];
    // The stale-lock test deployed the head before v6.
    expect(list.map((r) => r.message)).toEqual(["v7", "v6", "v5b: usual release phase"]);
    expect(list[0]?.current).toBe(true);
    expect(list[1]?.previous).toBe(true);
    expect((await readdir(join(appDir(), "snapshots"))).length).toBeLessThanOrEqual(5);
  });

  it("git push to push.git deploys the pushed head and streams the output back", async () => {
    const setup = await runCli(home, ["app", "push-setup", APP]);
    expect(setup.exitCode, setup.stderr).toBe(0);
    const sha = await repo.commit("v8: pushed", { "site_app/version.py": 'VERSION = "v8"\n' });
    const push = await execa("git", ["push", join(appDir(), "push.git"), "main"], {
      cwd: repo.dir,
      reject: false,
      timeout: 90_000,
    });
    expect(push.exitCode, push.stderr).toBe(0);
    expect(push.stderr).toMatch(/remote: -----> release/);
    expect(push.stderr).toMatch(/remote: deployed blog \d{8}T\d{6}Z-[0-9a-f]{7} \([0-9a-f]{7} "v8: pushed"\)/);
    expect(await currentId()).toMatch(new RegExp(`-${sha.slice(0, 7)}$`));
    const served = await serveCurrent();
    expect(served.body).toBe("ok v8");
    await served.stop();
  });
});

describe("deploy without a supervisor restores before any release phase", () => {
  it("refuses when the database is missing and the replica cannot be read: no migrate, no database, no release", async () => {
    const other = join(await tempDir("deploy-unreachable"), "home");
    const env = { AWS_ACCESS_KEY_ID: "hostctl-test-key", AWS_SECRET_ACCESS_KEY: "s3cr3t-test-value-9f8e7d" };
    const init = await runCli(
      other,
      [
        "init",
        "--replica-url",
        "s3://nowhere/blog",
        "--s3-endpoint",
        `http://127.0.0.1:${await freePort()}`,
        "--s3-force-path-style",
      ],
      { env },
    );
    expect(init.exitCode, init.stderr).toBe(0);
    const add = await addDjangoApp(other, APP, repo.dir, await freePort());
    expect(add.exitCode, add.stderr).toBe(0);
    const result = await runCli(other, ["deploy", APP], { env, timeoutMs: 60_000 });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(
      'failed at step "restore": blog: db.sqlite3 is missing and its replica cannot be read',
    );
    expect(result.stderr).not.toContain("migrate");
    expect(await readdir(join(other, "apps", APP, "data"))).toEqual([]);
    expect(await readdir(join(other, "apps", APP, "releases"))).toEqual([]);
  });
});
