import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
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
