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
  /** Up by one each time the lease changes hands: a host that held a lower one was replaced. */
  epoch?: number;
  /** The holder as a LiteFS primary (a candidate's lease): what an old primary's rejoin needs. */
  litefs?: LeaseNode;
}

/** A LiteFS primary as `cluster rejoin` names it. */
export interface LeaseNode {
  node: string;
  advertise: string;
  port_base: number;
  front_door?: string;
}

export interface LeaseHolder {
  hostId: string;
  hostname: string;
  litefs?: LeaseNode;
}

/** Kept in this host's home: the epoch it last held, and whether it gave it back. */
export interface LeaseRecord {
  host_id: string;
  epoch: number;
  released: boolean;
}

export type LeaseDecision =
  | { action: "acquire"; reason: "free" | "released" | "expired" | "takeover" }
  | { action: "renew" }
  | { action: "held"; holder: Lease; heartbeatAgeMs: number };

/** The holder's own TTL when it wrote a sane one: it promised to heartbeat within that. */
function ttlOf(lease: Lease, fallbackMs: number): number {
  return Number.isFinite(lease.ttl_s) && lease.ttl_s > 0 ? lease.ttl_s * 1000 : fallbackMs;
}

// Expiry compares the holder's heartbeat (its clock) with ours: clocks must agree well within
// the TTL (NTP), as a skew of s seconds moves expiry by s seconds.
export function leaseDecision(
  current: Lease | undefined,
  me: LeaseHolder,
  now: Date,
  ttlMs: number,
  takeover: boolean,
): LeaseDecision {
  if (current === undefined) return { action: "acquire", reason: "free" };
  if (current.released_at !== undefined) return { action: "acquire", reason: "released" };
  if (current.host_id === me.hostId) return { action: "renew" };
  const heartbeat = Date.parse(current.heartbeat_at);
  const heartbeatAgeMs = Number.isNaN(heartbeat) ? Number.POSITIVE_INFINITY : now.getTime() - heartbeat;
  if (heartbeatAgeMs > ttlOf(current, ttlMs)) return { action: "acquire", reason: "expired" };
  if (takeover) return { action: "acquire", reason: "takeover" };
  return { action: "held", holder: current, heartbeatAgeMs };
}

// A host that lost the lease without releasing it while another held it has an older lineage:
// it must not take the lease until an operator rejoins it. A graceful release is a handover.
export function isSuperseded(record: LeaseRecord | undefined, current: Lease | undefined, hostId: string): boolean {
  if (record === undefined || record.released || record.host_id !== hostId || current === undefined) return false;
  return current.host_id !== hostId && (current.epoch ?? 0) > record.epoch;
}

/** Pure: a lease body from what it was (for a renewal) and now. */
export function leaseBody(me: LeaseHolder, now: Date, ttlMs: number, previous?: Lease): Lease {
  const renewing = previous?.host_id === me.hostId && previous.released_at === undefined;
  const before = renewing ? previous.previous_host_id : previous?.host_id;
  const epoch = renewing ? (previous.epoch ?? 1) : (previous?.epoch ?? 0) + 1;
  const litefs = me.litefs ?? (renewing ? previous.litefs : undefined);
  return {
    host_id: me.hostId,
    hostname: me.hostname,
    acquired_at: renewing ? previous.acquired_at : now.toISOString(),
    heartbeat_at: now.toISOString(),
    ttl_s: Math.ceil(ttlMs / 1000),
    ...(before === undefined ? {} : { previous_host_id: before }),
    epoch,
    ...(litefs === undefined ? {} : { litefs }),
  };
}

/** Pure: "web-1 (host id) since <time>, last heartbeat 12s ago" for messages and logs. */
export function describeHolder(lease: Lease, now: Date): string {
  const heartbeat = Date.parse(lease.heartbeat_at);
  const age = Number.isNaN(heartbeat)
    ? "unknown"
    : `${Math.max(0, Math.round((now.getTime() - heartbeat) / 1000))}s ago`;
  return `${lease.hostname} (${lease.host_id}) since ${lease.acquired_at}, last heartbeat ${age}`;
}
