import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { FIXTURES, freePort } from "../helpers/apps.js";
import { gitRepo, type TestRepo } from "../helpers/git.js";
import { pathExists } from "../../src/lib/fs.js";
import { quoteShellArg } from "../../src/deploy/snapshot.js";

let root: string;
let home: string;
let repo: TestRepo;

beforeAll(async () => {
  root = await tempDir();
  home = join(root, "home");
  repo = await gitRepo({ fixture: join(FIXTURES, "generic-app") });
  expect((await runCli(home, ["init", "--replica-url", `file://${join(root, "replica")}`])).exitCode).toBe(0);
});

afterAll(cleanupTempDirs);

describe("a database path never becomes a sqlite3 shell command (same class as issue 13.2)", () => {
  it("app add refuses a --db with a newline or a quote", async () => {
    for (const db of ["x\n.shell touch /tmp/p", "x'y.sqlite3"]) {
      const add = await runCli(home, [
        "app",
        "add",
        "sq",
        "--kind",
        "generic",
        "--repo",
        repo.dir,
        "--port",
        String(await freePort()),
        "--db",
        db,
      ]);
      expect(add.exitCode).toBe(2);
      expect(add.stderr).toContain("argument --db: expected letters, digits and");
    }
  });

  it("a hand-edited app.yml with such a path deploys nothing and runs nothing", async () => {
    const marker = join(root, "pwned-sqlite");
    await mkdir(join(home, "apps", "sq"), { recursive: true });
    const db = `x\\n.shell touch ${marker}\\n`;
    await writeFile(
      join(home, "apps", "sq", "app.yml"),
      `name: sq\nrepo: ${repo.dir}\nport: ${await freePort()}\nkind: generic\ndatabases: [{path: "${db}"}]\n`,
    );
    const deploy = await runCli(home, ["deploy", "sq"], { timeoutMs: 60_000 });
    expect(await pathExists(marker)).toBe(false);
    expect(deploy.exitCode, deploy.stderr).toBe(2);
  });

  it("the dot-command quoting refuses what it cannot quote", () => {
    expect(quoteShellArg("/h/apps/a/snapshots/r/db.sqlite3")).toBe("'/h/apps/a/snapshots/r/db.sqlite3'");
    expect(() => quoteShellArg("/x'\n.shell id")).toThrow("quotes and control characters are not allowed");
  });
});
