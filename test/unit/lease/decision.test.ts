import { describe, expect, it } from "vitest";
import { describeHolder, leaseBody, leaseDecision, type Lease } from "../../../src/lease/decision.js";

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
    expect(leaseDecision(lease("host-a", 121_000), me, now, ttlMs, false)).toEqual({ action: "acquire", reason: "expired" });
    expect(leaseDecision(lease("host-a", 31_000, 30), me, now, ttlMs, false)).toEqual({ action: "acquire", reason: "expired" });
  });

  it("takes a fresh lease of another host over when told to", () => {
    expect(leaseDecision(lease("host-a", 1000), me, now, ttlMs, true)).toEqual({ action: "acquire", reason: "takeover" });
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
    });
    expect(leaseBody(me, now, ttlMs, lease("host-a", 5000)).acquired_at).toBe(now.toISOString());
  });
});

describe("describeHolder", () => {
  it("says who holds the lease, since when and how old its heartbeat is", () => {
    expect(describeHolder(lease("host-a", 12_000), now)).toBe("web-host-a (host-a) since 2025-03-01T10:00:00.000Z, last heartbeat 12s ago");
  });
});
