import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";

afterAll(cleanupTempDirs);

/** A Django package that only says its version (no network: the check only imports it). */
async function fakeDjango(dir: string, version: string): Promise<void> {
  await mkdir(join(dir, "django"), { recursive: true });
  await writeFile(join(dir, "django", "__init__.py"), `def get_version():\n    return "${version}"\n`);
}

describe("doctor's Django check", () => {
  it("reports the Django of each app's live venv, whatever the operator's shell puts on PYTHONPATH", async () => {
    const home = join(await tempDir(), "home");
    expect((await runCli(home, ["init", "--replica-url", `file://${await tempDir("replica")}`])).exitCode).toBe(0);
    const add = await runCli(home, [
      "app",
      "add",
      "blog",
      "--repo",
      "/srv/b.git",
      "--port",
      "8123",
      "--db",
      "db.sqlite3",
    ]);
    expect(add.exitCode, add.stderr).toBe(0);
    const release = join(home, "apps", "blog", "releases", "r1");
    await execa("/usr/bin/python3", ["-m", "venv", "--without-pip", join(release, ".venv")]);
    const sitePackages = (
      await execa(join(release, ".venv", "bin", "python"), [
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
      ])
    ).stdout.trim();
    await fakeDjango(sitePackages, "9.9.9");
    await symlink(join("releases", "r1"), join(home, "apps", "blog", "current"));
    const system = await tempDir("system-python");
    await fakeDjango(system, "1.0.0");

    const doctor = await runCli(home, ["doctor"], { env: { PYTHONPATH: system } });
    const line = doctor.stdout.split("\n").find((l) => l.startsWith("django for blog"));
    expect(line).toContain("Django 9.9.9");
    expect(line).toContain(join(release.replace("/releases/r1", ""), "current", ".venv", "bin", "python"));
  }, 60_000);
});
