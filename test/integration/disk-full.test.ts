import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, rm, stat, statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { freePort, httpGet, installRelease, waitAnswering } from "../helpers/apps.js";
import { killAllSupervisors, startSupervisor, type RunningSupervisor } from "../helpers/supervisor.js";
import { waitFor } from "../helpers/wait.js";
import { gitRepo } from "../helpers/git.js";

// Issue 14 item 2: a full disk under HOME crashed `up` (an unhandled ENOSPC on a process log stream).
// A small tmpfs makes ENOSPC real; mounting one needs root, so the test runs only as root.
const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];

afterAll(async () => {
  await killAllSupervisors();
  for (const dir of mounts) execFileSync("umount", ["-l", dir]);
  await cleanupTempDirs();
});

async function fill(dir: string): Promise<string> {
  const filler = join(dir, "filler");
  await execa("dd", ["if=/dev/zero", `of=${filler}`, "bs=64k"], { reject: false });
  return filler;
}

describe.skipIf(!isRoot)("a full disk under HOME", () => {
  let sup: RunningSupervisor;

  it("drops log output with a warning, keeps the app serving, and every command says the disk is full", async () => {
    const mount = await tempDir("fullfs");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", mount]);
    mounts.push(mount);
    const home = join(mount, "home");
    await mkdir(home);
    const port = await freePort();
    expect((await runCli(home, ["init", "--replica-url", `file://${join(await tempDir(), "replica")}`])).exitCode).toBe(
      0,
    );
    expect(
      (
        await runCli(home, [
          "app",
          "add",
          "blog",
          "--kind",
          "generic",
          "--repo",
          "/unused",
          "--port",
          String(port),
          "--db",
          "db.sqlite3",
        ])
      ).exitCode,
    ).toBe(0);
    await installRelease(home, "blog", "generic-app");
    // The supervisor's own log (journald in production) lies outside the full filesystem.
    sup = await startSupervisor(home, {}, join(await tempDir(), "up.log"));
    await waitAnswering(port);

    const filler = await fill(mount);
    const webLog = join(home, "apps", "blog", "logs", "web.log");
    // Each request logs a line to stdout, so the web log is written on a full disk.
    for (let i = 0; i < 400; i++) expect((await httpGet(port, "/")).status).toBe(200);
    await waitFor("the log.write_failed warning", async () => (await sup.log()).includes('"event":"log.write_failed"'));
    expect(sup.child.exitCode).toBeNull();
    expect((await httpGet(port, "/")).body).toBe("generic ok");

    const status = await runCli(home, ["status"]);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toContain("DISK FULL");
    const doctor = await runCli(home, ["doctor"]);
    expect(doctor.stdout).toMatch(/disk .*FAIL\s+disk full/);
    const add = await runCli(home, [
      "app",
      "add",
      "shop",
      "--kind",
      "generic",
      "--repo",
      "/unused",
      "--port",
      String(await freePort()),
    ]);
    expect(add.stderr).toContain("error[DISK_FULL]");
    expect(add.stderr).not.toContain("internal error");
    expect(add.exitCode).toBe(1);
    await expect(stat(join(home, "apps", "shop"))).rejects.toThrow();

    // Space again: the log is reopened and written once more.
    await rm(filler);
    const before = (await stat(webLog)).size;
    await waitFor(
      "the web log written again",
      async () => {
        await httpGet(port, "/");
        return (await stat(webLog)).size > before;
      },
      30_000,
      500,
    );
    expect(await sup.stop("SIGTERM")).toBe(0);
  }, 120_000);
});

describe.skipIf(!isRoot)("a deploy on a full disk", () => {
  it("says DISK_FULL, and leaves no git debris behind however often it is tried", async () => {
    const mount = await tempDir("fullfs");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=6m", "tmpfs", mount]);
    mounts.push(mount);
    const home = join(mount, "home");
    await mkdir(home);
    // An 8 MB blob that does not compress: it can never fit in the 6 MiB filesystem.
    const repo = await gitRepo({ files: { Procfile: "web: python3 -m http.server $PORT\n" } });
    await writeFile(join(repo.dir, "big.bin"), randomBytes(8 * 1024 * 1024));
    await repo.git("add", "big.bin");
    await repo.git("commit", "-q", "-m", "big");
    expect((await runCli(home, ["init", "--replica-url", `file://${join(await tempDir(), "replica")}`])).exitCode).toBe(
      0,
    );
    const add = await runCli(home, [
      "app",
      "add",
      "big",
      "--kind",
      "generic",
      "--repo",
      repo.dir,
      "--port",
      String(await freePort()),
    ]);
    expect(add.exitCode, add.stderr).toBe(0);
    const free = () => statfs(mount).then((s) => s.bavail * s.bsize);
    const before = await free();
    for (let attempt = 0; attempt < 2; attempt++) {
      const deploy = await runCli(home, ["deploy", "big"]);
      expect(deploy.exitCode, deploy.stderr).toBe(1);
      expect(deploy.stderr).toContain("error[DISK_FULL]");
      expect(deploy.stderr).not.toContain("git ls-remote");
      expect(deploy.stderr).toContain(`df -h ${join(home, "apps", "big")}`);
      const debris = (await readdir(join(home, "apps", "big", "repo.git", "objects"), { recursive: true })).filter(
        (f) => /tmp_(obj|pack|idx|rev)_|incoming-/.test(f),
      );
      expect(debris).toEqual([]);
      // What the failed fetch wrote is gone: the filesystem has the space it had before (within 256 KiB).
      expect(before - (await free())).toBeLessThan(256 * 1024);
    }
  }, 120_000);
});
