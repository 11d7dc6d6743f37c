import { describe, expect, it } from "vitest";
import { describeHolder, isSuperseded, leaseBody, leaseDecision, type Lease } from "../../../src/lease/decision.js";

const now = new Date("2025-03-01T12:00:00.000Z");
const me = { hostId: "host-b", hostname: "web-b" };
const ttlMs = 120_000;

function lease(hostId: string, heartbeatAgoMs: number, ttlS = 120): Lease {
  return {
    host_id: hostId,
    hostname: `web-${hostId}`,
    acquired_at: "2025-03-01T10:00:00.000Z",
    heartbeat_at: new Date(now.getTime() - heartbeatAgoMs).toISOString(),
    ttl_s: ttlS,
  };
}

describe("leaseDecision", () => {
  it("acquires a lease nobody holds", () => {
    expect(leaseDecision(undefined, me, now, ttlMs, false)).toEqual({ action: "acquire", reason: "free" });
  });

  it("renews a lease this host already holds, however old its heartbeat", () => {
    expect(leaseDecision(lease("host-b", 10 * 60_000), me, now, ttlMs, false)).toEqual({ action: "renew" });
  });

  it("refuses a fresh lease of another host and names it", () => {
    const held = lease("host-a", 5000);
    expect(leaseDecision(held, me, now, ttlMs, false)).toEqual({ action: "held", holder: held, heartbeatAgeMs: 5000 });
  });

  it("acquires another host's lease once its heartbeat is older than the holder's TTL", () => {
    expect(leaseDecision(lease("host-a", 121_000), me, now, ttlMs, false)).toEqual({
      action: "acquire",
      reason: "expired",
    });
    expect(leaseDecision(lease("host-a", 31_000, 30), me, now, ttlMs, false)).toEqual({
      action: "acquire",
      reason: "expired",
    });
  });

  it("takes a fresh lease of another host over when told to", () => {
    expect(leaseDecision(lease("host-a", 1000), me, now, ttlMs, true)).toEqual({
      action: "acquire",
      reason: "takeover",
    });
  });

  it("treats an unreadable heartbeat time as expired", () => {
    expect(leaseDecision({ ...lease("host-a", 0), heartbeat_at: "yesterday" }, me, now, ttlMs, false)).toEqual({
      action: "acquire",
      reason: "expired",
    });
  });
});

describe("leaseBody", () => {
  it("keeps the acquisition time when renewing and starts it anew when acquiring", () => {
    expect(leaseBody(me, now, ttlMs, lease("host-b", 5000))).toEqual({
      host_id: "host-b",
      hostname: "web-b",
      acquired_at: "2025-03-01T10:00:00.000Z",
      heartbeat_at: now.toISOString(),
      ttl_s: 120,
      epoch: 1,
    });
    expect(leaseBody(me, now, ttlMs, lease("host-a", 5000)).acquired_at).toBe(now.toISOString());
  });

  it("keeps the epoch when renewing and raises it by one whenever the lease changes hands or is taken again after a release", () => {
    expect(leaseBody(me, now, ttlMs, { ...lease("host-b", 5000), epoch: 4 }).epoch).toBe(4);
    expect(leaseBody(me, now, ttlMs, { ...lease("host-a", 5000), epoch: 4 }).epoch).toBe(5);
    expect(
      leaseBody(me, now, ttlMs, { ...lease("host-b", 5000), epoch: 4, released_at: now.toISOString() }).epoch,
    ).toBe(5);
    expect(leaseBody(me, now, ttlMs, undefined).epoch).toBe(1);
  });

  it("names a LiteFS holder, and keeps the name through renewals that do not give it (the keeper's)", () => {
    const node = { node: "web-2", advertise: "http://10.0.0.2", port_base: 20202 };
    const taken = leaseBody({ ...me, litefs: node }, now, ttlMs, lease("host-a", 5000));
    expect(taken.litefs).toEqual(node);
    expect(leaseBody(me, now, ttlMs, taken).litefs).toEqual(node);
    expect(leaseBody(me, now, ttlMs, lease("host-a", 5000)).litefs).toBeUndefined();
  });
});

describe("isSuperseded", () => {
  const held = { host_id: "host-b", epoch: 3, released: false };

  it("is true for a host that held an older epoch and lost it without a release, whether the new holder runs or released since", () => {
    expect(isSuperseded(held, { ...lease("host-a", 5000), epoch: 4 }, "host-b")).toBe(true);
    expect(isSuperseded(held, { ...lease("host-a", 5000), epoch: 4, released_at: now.toISOString() }, "host-b")).toBe(
      true,
    );
  });

  it("is false after a graceful release (a handover), for its own lease (a restart after a crash), for a fresh home, and for a lease without epochs", () => {
    expect(isSuperseded({ ...held, released: true }, { ...lease("host-a", 5000), epoch: 4 }, "host-b")).toBe(false);
    expect(isSuperseded(held, { ...lease("host-b", 500_000), epoch: 3 }, "host-b")).toBe(false);
    expect(isSuperseded(undefined, { ...lease("host-a", 5000), epoch: 4 }, "host-b")).toBe(false);
    expect(isSuperseded(held, lease("host-a", 5000), "host-b")).toBe(false);
    expect(isSuperseded(held, undefined, "host-b")).toBe(false);
  });

  it("ignores a record another host id wrote (a home copied from another host)", () => {
    expect(isSuperseded({ ...held, host_id: "host-c" }, { ...lease("host-a", 5000), epoch: 4 }, "host-b")).toBe(false);
  });
});

describe("describeHolder", () => {
  it("says who holds the lease, since when and how old its heartbeat is", () => {
    expect(describeHolder(lease("host-a", 12_000), now)).toBe(
      "web-host-a (host-a) since 2025-03-01T10:00:00.000Z, last heartbeat 12s ago",
    );
  });
});
