import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ownRecord, takePidLock } from "../../../src/supervisor/pid-lock.js";
import { procStartTime } from "../../../src/supervisor/process-records.js";
import { cleanupTempDirs, tempDir } from "../../helpers/tmp.js";

afterAll(cleanupTempDirs);

describe("pid locks (one supervisor per home, one replicator per database)", () => {
  it("are taken when free, written 0600 with this process's pid and start time", async () => {
    const file = join(await tempDir("lock"), "a.lock");
    expect(await takePidLock(file, await ownRecord({ what: "a" }))).toBeUndefined();
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      what: "a",
      pid: process.pid,
      starttime: await procStartTime(process.pid),
    });
  });

  it("name the live holder, and take over a record whose process is gone", async () => {
    const file = join(await tempDir("lock"), "b.lock");
    // Another live process: this one's parent (the test runner), with its real start time.
    const live = { what: "other", pid: process.ppid, starttime: (await procStartTime(process.ppid)) ?? "" };
    await writeFile(file, JSON.stringify(live));
    expect(await takePidLock(file, await ownRecord({ what: "me" }))).toEqual(live);
    // The same pid with another start time is a reused pid: its record is stale.
    await writeFile(file, JSON.stringify({ ...live, starttime: "1" }));
    expect(await takePidLock(file, await ownRecord({ what: "me" }))).toBeUndefined();
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ what: "me", pid: process.pid });
  });

  it("held by this very process: refused unless reentrant", async () => {
    const file = join(await tempDir("lock"), "c.lock");
    const me = await ownRecord({ what: "me" });
    expect(await takePidLock(file, me)).toBeUndefined();
    expect(await takePidLock(file, me)).toEqual(me);
    expect(await takePidLock(file, me, { reentrant: true })).toBeUndefined();
  });
});
