import { chmod, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";

let home: string;
let outside: string;

async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    const info = await stat(path);
    out.push(`${path} ${info.mode.toString(8)} ${info.size} ${info.mtimeMs}`);
  }
  return out.sort();
}

beforeAll(async () => {
  const root = await tempDir();
  home = join(root, "home");
  outside = join(root, "outside");
  const init = await runCli(home, ["init", "--replica-url", `file://${join(root, "replica")}`]);
  expect(init.exitCode, init.stderr).toBe(0);
  await mkdir(join(outside, "victimapp", "data"), { recursive: true });
  await writeFile(join(outside, "victimapp", "app.yml"), "name: victimapp\nrepo: /srv/x.git\nport: 8123\n");
  await writeFile(join(outside, "victimapp", "data", "precious"), "keep me\n");
});

afterAll(cleanupTempDirs);

describe("an app name from the command line never reaches a path outside HOME", () => {
  it.each([
    [["app", "remove", "../../outside/victimapp", "--purge"]],
    [["env", "set", "../../outside/victimapp", "K=V"]],
    [["env", "unset", "../../outside/victimapp", "K"]],
    [["env", "list", "../../outside/victimapp"]],
    [["app", "show", "../../outside/victimapp"]],
  ])("%j exits 2 and no file outside HOME changes", async (args) => {
    const before = await snapshot(outside);
    const result = await runCli(home, args);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain('app name "../../outside/victimapp": expected a lowercase letter');
    expect(await snapshot(outside)).toEqual(before);
    expect(await readFile(join(outside, "victimapp", "data", "precious"), "utf8")).toBe("keep me\n");
  });
});

describe("a symlink planted for an app's directory is never followed (issue 30 item 8)", () => {
  it.each([["snapshots"], ["data"]])(
    "apps/X/%s as a link: restore exits 1 naming it, and the target keeps its mode and content",
    async (dir) => {
      const name = `planted${dir.length}`;
      const add = await runCli(home, [
        "app",
        "add",
        name,
        "--repo",
        "/unused",
        "--port",
        String(8130 + dir.length),
        "--kind",
        "generic",
        "--db",
        "db.sqlite3",
      ]);
      expect(add.exitCode, add.stderr).toBe(0);
      const loot = join(outside, `loot-${dir}`);
      await mkdir(loot, { recursive: true });
      await chmod(loot, 0o755);
      await rm(join(home, "apps", name, dir), { recursive: true, force: true });
      await symlink(loot, join(home, "apps", name, dir));
      const before = await snapshot(outside);
      const result = await runCli(home, ["restore", name]);
      expect(result.stderr).toContain(`apps/${name}/${dir} is a symbolic link (to ${loot})`);
      expect(result.exitCode).toBe(1);
      expect(((await stat(loot)).mode & 0o777).toString(8)).toBe("755");
      expect(await snapshot(outside)).toEqual(before);
    },
  );
  it("a database's own folder under data/ as a link: restore exits 1 naming it and writes nothing there", async () => {
    const add = await runCli(home, [
      "app",
      "add",
      "nested",
      "--repo",
      "/unused",
      "--port",
      "8140",
      "--kind",
      "generic",
      "--db",
      "site/db.sqlite3",
    ]);
    expect(add.exitCode, add.stderr).toBe(0);
    const loot = join(outside, "loot-nested");
    await mkdir(loot, { recursive: true });
    await mkdir(join(home, "apps", "nested", "data"), { recursive: true });
    await symlink(loot, join(home, "apps", "nested", "data", "site"));
    const before = await snapshot(outside);
    const result = await runCli(home, ["restore", "nested"]);
    expect(result.stderr).toContain(`apps/nested/data/site is a symbolic link (to ${loot})`);
    expect(result.exitCode).toBe(1);
    expect(await snapshot(outside)).toEqual(before);
  });
});
