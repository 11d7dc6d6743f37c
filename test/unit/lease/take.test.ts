import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../../src/lib/clock.js";
import { pathExists } from "../../../src/lib/fs.js";
import { readJsonFile } from "../../../src/lib/json-file.js";
import { acquireLease, readLease, releaseLease } from "../../../src/lease/lease.js";
import { takeLease } from "../../../src/lease/take.js";
import { leaseWaitPath, type LeaseWait } from "../../../src/lease/wait.js";
import { FakeClock } from "../../helpers/fake-clock.js";
import { unitContext } from "../../helpers/host-context.js";
import { cleanupTempDirs } from "../../helpers/tmp.js";
import { waitFor } from "../../helpers/wait.js";

afterAll(cleanupTempDirs);

/** Host A holds the lease of a file:// replica; host B (on a fake clock) shares that replica. */
async function twoHosts() {
  const a = await unitContext(systemClock);
  await acquireLease(a, { hostId: "id-a", hostname: "web-a", confirmDelayMs: 0 });
  const clock = new FakeClock(Date.now());
  const b = await unitContext(clock, { host: { replica: { url: `file://${join(a.paths.home, "replica")}` } } });
  return { a, b, clock };
}

describe("takeLease (lease/take.ts) on a fake clock", () => {
  it("--no-wait: refuses at once with LEASE_HELD naming the holder", async () => {
    const { b } = await twoHosts();
    await expect(
      takeLease(b, { takeover: false, wait: false, signal: new AbortController().signal }),
    ).rejects.toMatchObject({
      code: "LEASE_HELD",
    });
    expect(await pathExists(leaseWaitPath(b.paths))).toBe(false);
  });

  it("waits while another host holds it (saying so in run/lease-wait.json), and a stop ends the wait with nothing taken", async () => {
    const { b } = await twoHosts();
    const stop = new AbortController();
    const taking = takeLease(b, { takeover: false, wait: true, signal: stop.signal });
    const wait = await waitFor(
      "the lease wait recorded",
      () => readJsonFile<LeaseWait>(leaseWaitPath(b.paths)),
      5000,
      10,
    );
    expect(wait).toMatchObject({ pid: process.pid, reason: expect.stringContaining("web-a") as string });
    stop.abort();
    expect(await taking).toBeUndefined();
    expect(await pathExists(leaseWaitPath(b.paths))).toBe(false);
    expect((await readLease(b))?.host_id).toBe("id-a");
  });

  it("takes the lease at the next read after the holder released it", async () => {
    const { a, b, clock } = await twoHosts();
    let taken: string | undefined;
    void takeLease(b, { takeover: false, wait: true, signal: new AbortController().signal }).then(async (lease) => {
      if (lease && (await lease.confirmation.settled)) taken = lease.hostId;
    });
    await waitFor("the lease wait recorded", () => readJsonFile<LeaseWait>(leaseWaitPath(b.paths)), 5000, 10);
    expect(await releaseLease(a, "id-a")).toBe(true);
    // Each check moves the fake clock on: past the 5 s between reads, then past the confirm delay.
    await waitFor(
      "B holding the lease",
      async () => {
        await clock.advance(1000);
        return taken;
      },
      10_000,
      10,
    );
    expect((await readLease(b))?.host_id).toBe(taken);
  });
});
