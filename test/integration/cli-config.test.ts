import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { TEST_CREDENTIALS, closedPort } from "../helpers/s3.js";

let home: string;
let replicaDir: string;

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    out.push(join(entry.parentPath, entry.name).slice(dir.length));
  }
  return out.sort();
}

beforeAll(async () => {
  home = join(await tempDir(), "home");
  replicaDir = join(await tempDir(), "replica");
  const init = await runCli(home, ["init", "--replica-url", `file://${replicaDir}`]);
  expect(init.exitCode, init.stderr).toBe(0);
  const add = await runCli(home, [
    "app",
    "add",
    "blog",
    "--repo",
    "/srv/blog.git",
    "--port",
    "8001",
    "--db",
    "db.sqlite3",
    "--python",
    "/usr/bin/python3",
  ]);
  expect(add.exitCode, add.stderr).toBe(0);
});

afterAll(cleanupTempDirs);

describe("bad input exits 2, names the culprit and writes nothing", () => {
  it.each([
    [["app", "add", "../x", "--repo", "r", "--port", "8002"], "argument NAME: expected a lowercase letter"],
    [["app", "add", "Blog", "--repo", "r", "--port", "8002"], 'got "Blog"'],
    [["app", "add", "a b", "--repo", "r", "--port", "8002"], 'got "a b"'],
    [["app", "add", "", "--repo", "r", "--port", "8002"], "argument NAME: expected a lowercase letter"],
    [["app", "add", "a".repeat(41), "--repo", "r", "--port", "8002"], "argument NAME"],
    [["app", "add", "blog", "--repo", "r", "--port", "8002"], 'app "blog" already exists'],
    [["app", "add", "shop", "--repo", "r", "--port", "80"], "argument --port: expected"],
    [["app", "add", "shop", "--repo", "r", "--port", "70000"], "argument --port: expected"],
    [
      ["app", "add", "shop", "--repo", "r", "--port", "8001"],
      'argument --port: port 8001 is already used by app "blog"',
    ],
    [
      ["app", "add", "shop", "--repo", "r", "--port", "8002", "--db", "/etc/db.sqlite3"],
      "argument --db: expected a path relative",
    ],
    [
      ["app", "add", "shop", "--repo", "r", "--port", "8002", "--db", "../db.sqlite3"],
      "argument --db: expected a path inside",
    ],
    [
      ["app", "add", "shop", "--repo", "r", "--port", "8002", "--drill-schedule", "99 * * * *"],
      "argument --drill-schedule: expected a cron expression",
    ],
    [
      ["app", "add", "shop", "--repo", "r", "--port", "8002", "--poll", "sixty"],
      "argument --poll: expected a duration",
    ],
    [
      ["app", "add", "shop", "--repo", "r", "--port", "8002", "--kind", "rails"],
      'argument --kind: expected one of "django", "wagtail", "generic", got "rails"',
    ],
    [["env", "set", "blog", "NOEQUALS"], 'argument "NOEQUALS": expected KEY=VALUE'],
    [["init", "--replica-url", "file:///tmp/x"], "hostctl.yml already exists"],
    [
      ["init", "--force", "--replica-url", "gs://bucket/prefix"],
      'argument --replica-url: expected s3://BUCKET/PREFIX or file:///DIR, got "gs://bucket/prefix"',
    ],
    [["app", "add", "shop", "--port", "8002"], "required option '--repo <url>' not specified"],
  ])("%j", async (args, message) => {
    const before = await tree(home);
    const result = await runCli(home, args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
    expect(await tree(home)).toEqual(before);
  });

  it("an unknown key in app.yml is reported with file, line and key by every command that reads it", async () => {
    const spec = join(home, "apps", "blog", "app.yml");
    const original = await readFile(spec, "utf8");
    await writeFile(spec, `${original}helthcheck: {path: /}\n`);
    try {
      const result = await runCli(home, ["app", "show", "blog"]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`${spec}:\\d+:1 helthcheck: unknown key`));
    } finally {
      await writeFile(spec, original);
    }
  });

  it("an unknown key in hostctl.yml is reported with its line", async () => {
    const file = join(home, "hostctl.yml");
    const original = await readFile(file, "utf8");
    await writeFile(file, `${original}drils:\n  schedule: "* * * * *"\n`);
    try {
      const result = await runCli(home, ["app", "add", "shop", "--repo", "r", "--port", "8002"]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`${file}:\\d+:1 drils: unknown key`));
      expect(await tree(home)).not.toContain("/apps/shop");
    } finally {
      await writeFile(file, original);
    }
  });

  it("a broken override template is a config error and leaves the Litestream configs as they were", async () => {
    const generated = join(home, "run", "litestream", "blog.yml");
    const before = await readFile(generated, "utf8");
    const builtin = await readFile(new URL("../../litestream.yml.tmpl", import.meta.url), "utf8");
    await writeFile(join(home, "litestream.yml.tmpl"), builtin.replace("snapshot-interval:", "snapshot-intervl:"));
    try {
      const result = await runCli(home, ["app", "add", "shop", "--repo", "r", "--port", "8002", "--db", "db.sqlite3"]);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain("snapshot-intervl: unknown key");
      expect(await readFile(generated, "utf8")).toBe(before);
      expect(await tree(home)).not.toContain("/apps/shop");
    } finally {
      await writeFile(join(home, "litestream.yml.tmpl"), builtin);
    }
  });
});

describe("commands", () => {
  it("--version prints package.json's version and exits 0", async () => {
    const result = await runCli(home, ["--version"]);
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });
  it("app list and show answer in JSON", async () => {
    const list = await runCli(home, ["app", "list", "--json"]);
    expect(list.exitCode).toBe(0);
    expect(
      (JSON.parse(list.stdout) as { name: string; python: { interpreter: string } }[]).map((a) => [
        a.name,
        a.python.interpreter,
      ]),
    ).toEqual([["blog", "/usr/bin/python3"]]);
    const show = await runCli(home, ["app", "show", "blog", "--json"]);
    expect(JSON.parse(show.stdout)).toMatchObject({
      name: "blog",
      port: 8001,
      branch: "main",
      kind: "django",
      databases: [{ path: "db.sqlite3" }],
    });
  });

  it("env set/list/unset keep a 0600 file and list keys without values", async () => {
    expect((await runCli(home, ["env", "set", "blog", "DEBUG=0", "ALLOWED_HOSTS=a,b"])).exitCode).toBe(0);
    expect(
      (await runCli(home, ["env", "set", "blog", "--stdin"], { input: "DJANGO_SECRET_KEY=very-secret=value\n" }))
        .exitCode,
    ).toBe(0);
    const envFile = join(home, "apps", "blog", "env");
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(envFile, "utf8")).toBe("ALLOWED_HOSTS=a,b\nDEBUG=0\nDJANGO_SECRET_KEY=very-secret=value\n");
    const list = await runCli(home, ["env", "list", "blog"]);
    expect(list.stdout).toBe("ALLOWED_HOSTS\nDEBUG\nDJANGO_SECRET_KEY");
    expect(list.stdout).not.toContain("very-secret");
    expect((await runCli(home, ["env", "unset", "blog", "DEBUG"])).exitCode).toBe(0);
    expect(JSON.parse((await runCli(home, ["env", "list", "blog", "--json"])).stdout)).toEqual([
      "ALLOWED_HOSTS",
      "DJANGO_SECRET_KEY",
    ]);
  });

  it("app remove keeps files unless --purge", async () => {
    expect(
      (await runCli(home, ["app", "add", "tmp", "--repo", "r", "--port", "8009", "--db", "x.sqlite3"])).exitCode,
    ).toBe(0);
    expect(await tree(join(home, "run", "litestream"))).toContain("/tmp.yml");
    const removed = await runCli(home, ["app", "remove", "tmp"]);
    expect(removed.exitCode).toBe(0);
    expect(await tree(join(home, "apps"))).toContain("/tmp/data");
    expect(await tree(join(home, "run", "litestream"))).not.toContain("/tmp.yml");
    expect((await runCli(home, ["app", "add", "tmp", "--repo", "r", "--port", "8009"])).exitCode).toBe(0);
    expect((await runCli(home, ["app", "remove", "tmp", "--purge"])).exitCode).toBe(0);
    expect(await tree(join(home, "apps"))).not.toContain("/tmp");
    expect((await runCli(home, ["app", "show", "tmp"])).exitCode).toBe(2);
  });

  it("init writes its config even when S3 is down, and warns", async () => {
    const other = join(await tempDir(), "home");
    const port = await closedPort();
    const result = await runCli(
      other,
      ["init", "--replica-url", "s3://bucket/p", "--s3-endpoint", `http://127.0.0.1:${port}`, "--s3-force-path-style"],
      { env: TEST_CREDENTIALS },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("warning: cannot reach the replica at s3://bucket/p");
    expect(await readFile(join(other, "hostctl.yml"), "utf8")).toContain(`endpoint: http://127.0.0.1:${port}`);
  });

  it("doctor checks the binaries and a put/get/delete round trip to the replica", async () => {
    const result = await runCli(home, ["doctor", "--json"]);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      checks: { name: string; ok: boolean; detail: string }[];
    };
    expect(report.checks.find((c) => c.name === "litestream")?.detail).toMatch(/^v0\.3\.13/);
    expect(report.checks.find((c) => c.name.startsWith("replica"))).toMatchObject({
      ok: true,
      detail: "put, get and delete work",
    });
    expect(report.checks.find((c) => c.name.startsWith("python /usr/bin/python3"))?.ok).toBe(true);
    expect(result.exitCode).toBe(report.ok ? 0 : 1);
    expect(report.ok).toBe(true);
    expect(await tree(replicaDir)).not.toContain("/_hostctl/doctor/x");
  });

  it("doctor exits 1 when the replica cannot be reached", async () => {
    const other = join(await tempDir(), "home");
    const port = await closedPort();
    await runCli(
      other,
      ["init", "--replica-url", "s3://bucket/p", "--s3-endpoint", `http://127.0.0.1:${port}`, "--s3-force-path-style"],
      {
        env: TEST_CREDENTIALS,
      },
    );
    const result = await runCli(other, ["doctor"]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/replica s3:\/\/bucket\/p\s+FAIL\s+cannot reach the replica/);
  });
});
