/** The lease object in the replica target: which host may replicate into this prefix. */
export interface Lease {
  host_id: string;
  hostname: string;
  acquired_at: string;
  heartbeat_at: string;
  ttl_s: number;
  /** The host that held the lease before this one took it (absent on a prefix's first lease). */
  previous_host_id?: string;
  /** Set by a graceful release: the lease is free, and says who held it last. */
  released_at?: string;
}

export interface LeaseHolder {
  hostId: string;
  hostname: string;
}

export type LeaseDecision =
  | { action: "acquire"; reason: "free" | "released" | "expired" | "takeover" }
  | { action: "renew" }
  | { action: "held"; holder: Lease; heartbeatAgeMs: number };

/** The holder's own TTL when it wrote a sane one: it promised to heartbeat within that. */
function ttlOf(lease: Lease, fallbackMs: number): number {
  return Number.isFinite(lease.ttl_s) && lease.ttl_s > 0 ? lease.ttl_s * 1000 : fallbackMs;
}

/**
 * Pure: may `me` take the lease? Expiry compares the holder's heartbeat (its clock) with ours, so it
 * assumes clocks agree to well within the TTL (NTP); a skew of s seconds moves expiry by s seconds.
 */
export function leaseDecision(current: Lease | undefined, me: LeaseHolder, now: Date, ttlMs: number, takeover: boolean): LeaseDecision {
  if (current === undefined) return { action: "acquire", reason: "free" };
  if (current.released_at !== undefined) return { action: "acquire", reason: "released" };
  if (current.host_id === me.hostId) return { action: "renew" };
  const heartbeat = Date.parse(current.heartbeat_at);
  const heartbeatAgeMs = Number.isNaN(heartbeat) ? Number.POSITIVE_INFINITY : now.getTime() - heartbeat;
  if (heartbeatAgeMs > ttlOf(current, ttlMs)) return { action: "acquire", reason: "expired" };
  if (takeover) return { action: "acquire", reason: "takeover" };
  return { action: "held", holder: current, heartbeatAgeMs };
}

/** Pure: a lease body from what it was (for a renewal) and now. */
export function leaseBody(me: LeaseHolder, now: Date, ttlMs: number, previous?: Lease): Lease {
  const renewing = previous?.host_id === me.hostId && previous.released_at === undefined;
  const before = renewing ? previous.previous_host_id : previous?.host_id;
  return {
    host_id: me.hostId,
    hostname: me.hostname,
    acquired_at: renewing ? previous.acquired_at : now.toISOString(),
    heartbeat_at: now.toISOString(),
    ttl_s: Math.ceil(ttlMs / 1000),
    ...(before === undefined ? {} : { previous_host_id: before }),
  };
}

/** Pure: "web-1 (host id) since <time>, last heartbeat 12s ago" for messages and logs. */
export function describeHolder(lease: Lease, now: Date): string {
  const heartbeat = Date.parse(lease.heartbeat_at);
  const age = Number.isNaN(heartbeat) ? "unknown" : `${Math.max(0, Math.round((now.getTime() - heartbeat) / 1000))}s ago`;
  return `${lease.hostname} (${lease.host_id}) since ${lease.acquired_at}, last heartbeat ${age}`;
}
