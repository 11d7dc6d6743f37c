import { execFileSync } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PrimaryWatch } from "../../../src/litefs/primary-watch.js";
import { mountPoints } from "../../../src/litefs/mounts.js";
import { FakeClock, settle } from "../../helpers/fake-clock.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";

afterAll(cleanupTempDirs);

/** A started watch whose next read of .primary blocks: a FIFO's open waits until something writes to it. */
async function watchWithReadBlocked(label: string) {
  const mount = await tempDir(label);
  const primary = join(mount, ".primary");
  await writeFile(primary, "web-1\n");
  const clock = new FakeClock();
  const watch = new PrimaryWatch(mount, () => undefined, clock, 1000);
  await watch.start();
  expect(watch.primary).toBe("web-1");
  await rm(primary);
  execFileSync("mkfifo", [primary]);
  await clock.advance(1000);
  let stopped = false;
  const stopping = watch.stop().then(() => (stopped = true));
  return { watch, clock, primary, stopping, stopped: () => stopped };
}

describe("PrimaryWatch.stop", () => {
  it("resolves only once a read of .primary in flight is over: an open file keeps LiteFS from unmounting", async () => {
    const { watch, primary, stopping, stopped } = await watchWithReadBlocked("primary-watch");
    await settle();
    expect(stopped()).toBe(false);

    await writeFile(primary, "web-2\n");
    await stopping;
    expect(watch.primary).toBe("web-2");
  });
});

describe("PrimaryWatch.stop on a hung mount", () => {
  it("goes on after 2 s when the read never ends (a hung LiteFS is stopped next, which ends it)", async () => {
    const { clock, primary, stopping, stopped } = await watchWithReadBlocked("primary-watch-hung");
    await clock.advance(1999);
    expect(stopped()).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(stopped()).toBe(true);
    // Ends the read still blocked on the FIFO, so no worker thread stays behind.
    await writeFile(primary, "web-1\n");
  });
});

describe("mountPoints", () => {
  it("reads the mount point of each mountinfo line, with its escapes undone", () => {
    const text =
      "36 35 98:0 / /mnt/a\\040b rw,noatime master:1 - ext3 /dev/root rw\n" +
      "37 35 0:40 / /srv/app/litefs rw,nosuid,nodev relatime - fuse.litefs litefs rw\n";
    expect(mountPoints(text)).toEqual(["/mnt/a b", "/srv/app/litefs"]);
  });
});
