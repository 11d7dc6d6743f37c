import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { FIXTURES, PYTHON, freePort } from "../helpers/apps.js";
import { gitRepo } from "../helpers/git.js";

// Issue 14 item 10: friction a newcomer met on a real Django project.
let home: string;
let replica: string;

beforeAll(async () => {
  home = join(await tempDir(), "home");
  replica = join(await tempDir(), "replica");
  expect((await runCli(home, ["init", "--replica-url", `file://${replica}`])).exitCode).toBe(0);
});

afterAll(cleanupTempDirs);

describe("a newcomer", () => {
  it("is told by app add that `up` deploys the app", async () => {
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
      PYTHON,
    ]);
    expect(add.exitCode, add.stderr).toBe(0);
    expect(add.stdout).toContain("then hostctl up (it restores, deploys main and starts blog");
  });

  it("running init against a replica that holds apps is told how many and to run up --takeover", async () => {
    const other = join(await tempDir(), "home");
    const init = await runCli(other, ["init", "--replica-url", `file://${replica}`]);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toContain("the replica holds 1 app: next: hostctl up --takeover");
    expect(init.stdout).not.toContain("hostctl app add");
  });

  it("keygen --write puts the public key into hostctl.yml", async () => {
    const result = await runCli(home, ["keygen", "--write", "--json"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const { public_key } = JSON.parse(result.stdout) as { public_key: string };
    expect(await readFile(join(home, "hostctl.yml"), "utf8")).toContain(`env_public_key: ${public_key}`);
    expect((await runCli(home, ["app", "list"])).exitCode).toBe(0);
  });

  it("doctor fails a django app whose python cannot import Django", async () => {
    const venv = join(await tempDir(), "venv");
    await execa(PYTHON, ["-m", "venv", "--without-pip", venv]);
    const spec = join(home, "apps", "blog", "app.yml");
    const original = await readFile(spec, "utf8");
    await writeFile(spec, original.replace(`interpreter: ${PYTHON}`, `interpreter: ${join(venv, "bin", "python")}`));
    try {
      const doctor = await runCli(home, ["doctor"]);
      expect(doctor.stdout).toMatch(/django for blog\s+FAIL\s+.*cannot import Django/);
      expect(doctor.exitCode).toBe(1);
    } finally {
      await writeFile(spec, original);
    }
    expect((await runCli(home, ["doctor"])).stdout).toMatch(/django for blog\s+ok\s+Django \d/);
  });

  it("logs NAME leaves Litestream's chatter out unless asked for with --process litestream", async () => {
    const logs = join(home, "apps", "blog", "logs");
    await writeFile(join(logs, "web.log"), "GET / 200\n");
    await writeFile(join(logs, "litestream.log"), 'level=INFO msg="replicating to"\n');
    const all = await runCli(home, ["logs", "blog"]);
    expect(all.stdout).toContain("GET / 200");
    expect(all.stdout).not.toContain("replicating to");
    expect((await runCli(home, ["logs", "blog", "--process", "litestream"])).stdout).toContain("replicating to");
  });

  it("app add --help says --build applies to every kind, as the deploy does", async () => {
    const help = await runCli(home, ["app", "add", "--help"]);
    expect(help.stdout.replace(/\s+/g, " ")).toContain(
      "--build <command> build command line run in the release directory at each deploy, any kind",
    );
  });

  it("re-deploying the commit that is live is refused as nothing new, unless --force", async () => {
    const app = join(await tempDir(), "home");
    const repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
    expect((await runCli(app, ["init", "--replica-url", `file://${join(await tempDir(), "replica")}`])).exitCode).toBe(
      0,
    );
    expect(
      (
        await runCli(app, [
          "app",
          "add",
          "gen",
          "--kind",
          "generic",
          "--repo",
          repo.dir,
          "--port",
          String(await freePort()),
        ])
      ).exitCode,
    ).toBe(0);
    const first = await runCli(app, ["deploy", "gen"], { timeoutMs: 90_000 });
    expect(first.exitCode, first.stderr).toBe(0);
    const again = await runCli(app, ["deploy", "gen"], { timeoutMs: 90_000 });
    expect(again.stderr).toMatch(
      /error\[DEPLOY_REFUSED\]: gen already runs [0-9a-f]{7} \(release .*\): nothing new to deploy/,
    );
    expect(again.stderr).toContain("hostctl deploy gen --force deploys it again");
    expect(again.exitCode).toBe(2);
    expect((await runCli(app, ["releases", "gen", "--json"])).stdout.match(/"id"/g)).toHaveLength(1);
    const forced = await runCli(app, ["deploy", "gen", "--force"], { timeoutMs: 90_000 });
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect((await runCli(app, ["releases", "gen", "--json"])).stdout.match(/"id"/g)).toHaveLength(2);
  }, 200_000);
});
