import { describe, expect, it } from "vitest";
import { hostPaths } from "../../../src/config/paths.js";
import type { HostContext } from "../../../src/host/context.js";
import { acquireLease, leaseHeldError, readLease, releaseLease } from "../../../src/lease/lease.js";
import { clearLeaseRecord } from "../../../src/lease/lease-record.js";
import { systemClock } from "../../../src/lib/clock.js";
import { HostctlError } from "../../../src/lib/errors.js";
import { withRejoinHint } from "../../../src/cli/wiring/litefs.js";
import { unitContext } from "../../helpers/host-context.js";
import { tempDir } from "../../helpers/tmp.js";

const a = { hostId: "id-a", hostname: "web-a", confirmDelayMs: 0 };
const b = { hostId: "id-b", hostname: "web-b", confirmDelayMs: 0 };

/** Two hosts (two homes) on one replica target. */
async function twoHosts(host?: Record<string, unknown>): Promise<[HostContext, HostContext]> {
  const ctxA = await unitContext(systemClock, host ? { host } : {});
  return [ctxA, { ...ctxA, paths: hostPaths(await tempDir("other")) }];
}

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof HostctlError) return error.code;
    throw error;
  }
}

describe("a host replaced while it held the lease", () => {
  it("is refused (LEASE_SUPERSEDED) with or without takeover, also after the new holder released it, until its record is cleared", async () => {
    const [ctxA, ctxB] = await twoHosts();
    expect((await acquireLease(ctxA, a)).epoch).toBe(1);
    expect((await acquireLease(ctxB, { ...b, takeover: true })).epoch).toBe(2);
    expect(await code(acquireLease(ctxA, a))).toBe("LEASE_SUPERSEDED");
    expect(await code(acquireLease(ctxA, { ...a, takeover: true }))).toBe("LEASE_SUPERSEDED");
    expect(await releaseLease(ctxB, b.hostId)).toBe(true);
    expect(await code(acquireLease(ctxA, a))).toBe("LEASE_SUPERSEDED");
    expect((await readLease(ctxA))?.host_id).toBe("id-b");
    await clearLeaseRecord(ctxA.paths);
    expect((await acquireLease(ctxA, a)).epoch).toBe(3);
  });

  it("is not refused after a graceful handover: it released the lease itself", async () => {
    const [ctxA, ctxB] = await twoHosts();
    await acquireLease(ctxA, a);
    expect(await releaseLease(ctxA, a.hostId)).toBe(true);
    await acquireLease(ctxB, b);
    expect(await releaseLease(ctxB, b.hostId)).toBe(true);
    expect((await acquireLease(ctxA, a)).epoch).toBe(3);
  });

  it("renews its own lease after a crash (nobody took it since), keeping the epoch", async () => {
    const [ctxA] = await twoHosts();
    await acquireLease(ctxA, a);
    expect((await acquireLease(ctxA, a)).epoch).toBe(1);
  });
});

describe("withRejoinHint on a LiteFS candidate", () => {
  const litefs = { litefs: { node: "web-1", role: "candidate", advertise: "http://10.0.0.1", port_base: 20202 } };

  it("names cluster rejoin with the promoted primary's arguments, not --takeover", async () => {
    const [ctx] = await twoHosts(litefs);
    const holder = {
      host_id: "id-b",
      hostname: "web-2",
      acquired_at: "2025-03-01T10:00:00.000Z",
      heartbeat_at: new Date().toISOString(),
      ttl_s: 120,
      epoch: 2,
      litefs: { node: "web-2", advertise: "http://10.0.0.2", port_base: 21000, front_door: "https://www.example.com" },
    };
    const hint = withRejoinHint(ctx, leaseHeldError(ctx, holder, new Date())).hint;
    expect(hint).toContain(
      "hostctl cluster rejoin --primary web-2 --primary-advertise http://10.0.0.2 --primary-front-door https://www.example.com --primary-port-base 21000",
    );
    expect(hint).toMatch(/^if another node was promoted/);
  });
});
