import { readFile, writeFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { hostPaths, type HostPaths } from "../../../src/config/paths.js";
import { acquireDeployLock, lockPath } from "../../../src/deploy/lock.js";
import { pathExists } from "../../../src/lib/fs.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";

afterAll(cleanupTempDirs);

const holder = (pid: number) => ({
  pid,
  started_at: "2025-01-01T00:00:00.000Z",
  ref: "main",
  command: "hostctl deploy",
});
const now = new Date("2025-01-01T00:00:30Z");

/** The pid the lock file names. */
async function heldBy(paths: HostPaths): Promise<number> {
  return (JSON.parse(await readFile(lockPath(paths, "blog"), "utf8")) as { pid: number }).pid;
}

describe("deploy lock", () => {
  it("a second holder is refused with the first one's pid, ref and age; release frees it", async () => {
    const paths = hostPaths(await tempDir());
    const lock = await acquireDeployLock(paths, "blog", holder(process.pid), now);
    await expect(
      acquireDeployLock(paths, "blog", { ...holder(process.pid), started_at: "later" }, now),
    ).rejects.toThrow(
      `another deploy of blog is running: pid ${process.pid} (hostctl deploy, ref main), started 2025-01-01T00:00:00.000Z (30s ago)`,
    );
    await lock.release();
    expect(await pathExists(lockPath(paths, "blog"))).toBe(false);
    await (await acquireDeployLock(paths, "blog", holder(process.pid), now)).release();
  });

  it("a lock whose pid is dead is taken over", async () => {
    const paths = hostPaths(await tempDir());
    // Linux hands out pids below pid_max: that one never runs (no child process needed to find a dead pid).
    const dead = Number((await readFile("/proc/sys/kernel/pid_max", "utf8")).trim());
    const first = await acquireDeployLock(paths, "blog", holder(dead), now);
    expect(first.path).toBe(lockPath(paths, "blog"));
    expect(await heldBy(paths)).toBe(dead);
    const second = await acquireDeployLock(paths, "blog", holder(process.pid), now);
    expect(await heldBy(paths)).toBe(process.pid);
    await second.release();
    expect(await pathExists(lockPath(paths, "blog"))).toBe(false);
  });

  it("an unreadable lock file is treated as stale", async () => {
    const paths = hostPaths(await tempDir());
    await (await acquireDeployLock(paths, "blog", holder(process.pid), now)).release();
    await writeFile(lockPath(paths, "blog"), "garbage");
    const lock = await acquireDeployLock(paths, "blog", holder(process.pid), now);
    expect(await heldBy(paths)).toBe(process.pid);
    await lock.release();
    expect(await pathExists(lockPath(paths, "blog"))).toBe(false);
  });
});
