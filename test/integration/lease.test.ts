import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostContext } from "../../src/host/context.js";
import { parseHostConfig } from "../../src/config/host.js";
import { hostPaths } from "../../src/config/paths.js";
import type { Lease } from "../../src/lease/decision.js";
import { LeaseKeeper } from "../../src/lease/keeper.js";
import { acquireLease, beginLease, readLease, releaseLease } from "../../src/lease/lease.js";
import { systemClock } from "../../src/lib/clock.js";
import { HostctlError } from "../../src/lib/errors.js";
import { createRunner } from "../../src/lib/exec.js";
import { createLogger } from "../../src/lib/log.js";
import { createReplicaStore } from "../../src/s3/store.js";
import { TEST_CREDENTIALS, newBucket, startPrivateS3 } from "../helpers/s3.js";
import { cleanupTempDirs, tempDir } from "../helpers/tmp.js";
import { waitFor } from "../helpers/wait.js";

const credentials = {
  accessKeyId: TEST_CREDENTIALS.AWS_ACCESS_KEY_ID,
  secretAccessKey: TEST_CREDENTIALS.AWS_SECRET_ACCESS_KEY,
};
let s3: Awaited<ReturnType<typeof newBucket>>;
const keepers: LeaseKeeper[] = [];

beforeAll(async () => {
  s3 = await newBucket();
});
afterAll(async () => {
  await Promise.all(keepers.map((keeper) => keeper.stop()));
  await cleanupTempDirs();
});

async function context(replicaUrl: string, endpoint = s3.endpoint): Promise<HostContext> {
  const home = await tempDir("lease");
  const host = parseHostConfig(
    `replica:\n  url: ${replicaUrl}\n  s3:\n    endpoint: ${endpoint}\n    force_path_style: true\n`,
    "hostctl.yml",
  );
  const log = createLogger("silent");
  return {
    paths: hostPaths(home),
    host,
    log,
    run: createRunner(log),
    clock: systemClock,
    env: {},
    credentials,
    store: createReplicaStore(host, credentials),
    litestream: "litestream",
  };
}

const hostA = { hostId: "id-a", hostname: "web-a", confirmDelayMs: 0 };
const hostB = { hostId: "id-b", hostname: "web-b", confirmDelayMs: 0 };

function keeper(ctx: HostContext, host: { hostId: string; hostname: string }): LeaseKeeper {
  const made = new LeaseKeeper(ctx, { ...host, intervalMs: 50 });
  keepers.push(made);
  return made;
}

async function failure(promise: Promise<unknown>): Promise<HostctlError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HostctlError) return error;
    throw error;
  }
  throw new Error("expected a HostctlError");
}

describe("lease", () => {
  it("refuses a second host while the first holds a fresh lease, naming the holder", async () => {
    const ctx = await context(`s3://${s3.bucket}/held`);
    const first = await acquireLease(ctx, hostA);
    const error = await failure(acquireLease(ctx, hostB));
    expect(error.code).toBe("LEASE_HELD");
    expect(error.message).toMatch(
      new RegExp(`held by web-a \\(id-a\\) since ${first.acquired_at}, last heartbeat \\d+s ago`),
    );
    expect(error.hint).toBe("wait for it to expire or run hostctl up --takeover if that host is gone");
  });

  it("lets the second host in once the first has released the lease", async () => {
    const ctx = await context(`s3://${s3.bucket}/released`);
    await acquireLease(ctx, hostA);
    const a = keeper(ctx, hostA);
    a.start(() => undefined);
    await a.stop();
    expect(await readLease(ctx)).toMatchObject({ host_id: "id-a", released_at: expect.any(String) as string });
    const b = await acquireLease(ctx, hostB);
    expect(b).toMatchObject({ host_id: "id-b", previous_host_id: "id-a", took_from: "id-a" });
    // A's own restart after its release would have been no handover; B's renewal is none either.
    expect((await acquireLease(ctx, hostB)).took_from).toBeUndefined();
  });

  it("lets the second host in once the first's heartbeat is older than the TTL", async () => {
    const ctx = await context(`s3://${s3.bucket}/expired`);
    const start = new Date();
    await acquireLease(ctx, { ...hostA, now: start });
    await expect(acquireLease(ctx, { ...hostB, now: new Date(start.getTime() + 119_000) })).rejects.toThrow(
      /held by web-a/,
    );
    expect((await acquireLease(ctx, { ...hostB, now: new Date(start.getTime() + 121_000) })).host_id).toBe("id-b");
  });

  it("takes a fresh lease over at once with takeover", async () => {
    const ctx = await context(`s3://${s3.bucket}/takeover`);
    await acquireLease(ctx, hostA);
    await acquireLease(ctx, { ...hostB, takeover: true });
    expect(await readLease(ctx)).toMatchObject({ host_id: "id-b", hostname: "web-b", ttl_s: 120 });
  });

  it("renews its own lease after a restart without a release, keeping the acquisition time", async () => {
    const ctx = await context(`s3://${s3.bucket}/renew`);
    const first = await acquireLease(ctx, hostA);
    const again = await acquireLease(ctx, { ...hostA, now: new Date(Date.parse(first.acquired_at) + 5000) });
    expect(again.acquired_at).toBe(first.acquired_at);
  });

  it("lets exactly one of two hosts starting at once through", async () => {
    const ctx = await context(`s3://${s3.bucket}/race`);
    const results = await Promise.allSettled([
      acquireLease(ctx, { ...hostA, confirmDelayMs: 300 }),
      acquireLease(ctx, { ...hostB, confirmDelayMs: 300 }),
    ]);
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
  });

  it("beginLease: of two racers exactly one holds, the other fails with LEASE_HELD (at begin or at its confirmation)", async () => {
    const ctx = await context(`s3://${s3.bucket}/race-begin`);
    // Which half refuses depends on timing: a racer that reads after the other has written is refused by
    // beginLease itself, one that read before is refused by its confirmation. Either way one host holds.
    const begun = await Promise.allSettled([
      beginLease(ctx, { ...hostA, confirmDelayMs: 300 }),
      beginLease(ctx, { ...hostB, confirmDelayMs: 300 }),
    ]);
    const results = await Promise.all(
      begun.map(async (b) => (b.status === "fulfilled" ? (await Promise.allSettled([b.value.confirmed]))[0] : b)),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((result) => result.status === "rejected");
    expect(rejected?.status === "rejected" ? (rejected.reason as HostctlError).code : undefined).toBe("LEASE_HELD");
  });

  it("does not release a lease another host holds", async () => {
    const ctx = await context(`s3://${s3.bucket}/foreign`);
    await acquireLease(ctx, hostB);
    expect(await releaseLease(ctx, "id-a")).toBe(false);
    expect(await readLease(ctx)).toMatchObject({ host_id: "id-b" });
  });
});

describe("lease keeper", () => {
  it("heartbeats, and tells the host it lost the lease when another host takes it over", async () => {
    const ctx = await context(`s3://${s3.bucket}/lost`);
    const acquired = await acquireLease(ctx, hostA);
    const a = keeper(ctx, hostA);
    const lost: Lease[] = [];
    a.start((holder) => lost.push(holder));
    await waitFor("a heartbeat", async () => (await readLease(ctx))?.heartbeat_at !== acquired.heartbeat_at, 5000, 20);

    await acquireLease(ctx, { ...hostB, takeover: true });
    await waitFor("the keeper to notice", () => lost.length === 1, 5000, 20);
    expect(lost[0]).toMatchObject({ host_id: "id-b", hostname: "web-b" });
    expect(a.status()).toMatchObject({ state: "lost", holder: { host_id: "id-b" } });
    await a.stop();
    expect(await readLease(ctx)).toMatchObject({ host_id: "id-b" });
  });

  it("keeps the lease through an S3 outage and heartbeats again once S3 is back", async () => {
    const s3Down = await startPrivateS3();
    s3Down.createBucket("outage");
    const ctx = await context("s3://outage/p", s3Down.endpoint);
    await acquireLease(ctx, hostA);
    const a = keeper(ctx, hostA);
    const lost: Lease[] = [];
    a.start((holder) => lost.push(holder));
    await s3Down.stop();
    await waitFor("a failed heartbeat", () => a.status().lastError !== undefined, 10_000, 20);
    // The scenario, not a wait for a condition: the outage lasts about six heartbeats (50 ms apart).
    await new Promise((resolve) => setTimeout(resolve, 300));

    // fauxqs keeps objects in memory: the endpoint comes back empty, as if the lease had been deleted.
    const back = await startPrivateS3(s3Down.port);
    back.createBucket("outage");
    try {
      await waitFor("a heartbeat after the outage", async () => (await readLease(ctx))?.host_id === "id-a", 10_000, 50);
      expect(lost).toEqual([]);
      expect(a.status()).toMatchObject({ state: "holding", lastError: undefined });
      await a.stop();
      expect(await readLease(ctx)).toMatchObject({ host_id: "id-a", released_at: expect.any(String) as string });
    } finally {
      await back.stop();
    }
  });
});
