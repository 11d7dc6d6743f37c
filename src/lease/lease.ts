import { hostname as osHostname } from "node:os";
import type { HostContext } from "../host/context.js";
import { controlKey } from "../config/replica.js";
import { HostctlError } from "../lib/errors.js";
import { readHostId } from "./host-id.js";
import {
  describeHolder,
  isSuperseded,
  leaseBody,
  leaseDecision,
  type Lease,
  type LeaseHolder,
  type LeaseNode,
} from "./decision.js";
import { readLeaseRecord, writeLeaseRecord } from "./lease-record.js";
import { LeaseHolderError, supersededError } from "./superseded.js";

export const DEFAULT_LEASE_TTL_MS = 120_000;
// Two hosts can both see a free lease only when their reads come within about one round trip,
// so a pause of a few round trips before reading back covers the race.
const MIN_CONFIRM_DELAY_MS = 250;
const CONFIRM_ROUND_TRIPS = 3;
const TAKEOVER_HINT = "wait for it to expire or run hostctl up --takeover if that host is gone";

export function leaseKey(ctx: Pick<HostContext, "store">): string {
  return controlKey(ctx.store.target, "lease.json");
}

function isLease(value: unknown): value is Lease {
  const v = value as Partial<Lease> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.host_id === "string" &&
    typeof v.hostname === "string" &&
    typeof v.acquired_at === "string" &&
    typeof v.heartbeat_at === "string" &&
    typeof v.ttl_s === "number"
  );
}

/** Undefined when there is none; a body that is not a lease counts as none (and is logged). */
export async function readLease(ctx: Pick<HostContext, "store" | "log">): Promise<Lease | undefined> {
  const body = await ctx.store.get(leaseKey(ctx));
  if (body === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    if (isLease(parsed)) return parsed;
  } catch {
    // fall through: reported below
  }
  ctx.log.warn(
    { event: "lease.unreadable", key: leaseKey(ctx) },
    "the lease object is not a lease; treating it as free",
  );
  return undefined;
}

export async function writeLease(ctx: Pick<HostContext, "store">, lease: Lease): Promise<void> {
  await ctx.store.put(leaseKey(ctx), `${JSON.stringify(lease, null, 2)}\n`);
}

export function leaseHeldError(ctx: Pick<HostContext, "store">, holder: Lease, now: Date): LeaseHolderError {
  return new LeaseHolderError(
    "LEASE_HELD",
    `the replica ${ctx.store.url} is held by ${describeHolder(holder, now)}; its lease expires ${holder.ttl_s}s after its last heartbeat`,
    holder,
    TAKEOVER_HINT,
  );
}

export function leaseLostError(ctx: Pick<HostContext, "store">, holder: Lease, now: Date): HostctlError {
  return new HostctlError(
    "LEASE_LOST",
    `this host no longer holds the lease of ${ctx.store.url}: it is held by ${describeHolder(holder, now)}; replication stopped so the two hosts do not write over each other`,
    {
      hint: "if this host should be the live one, stop the other host, then run: hostctl up --takeover",
    },
  );
}

export interface AcquireLeaseOptions {
  hostId: string;
  /** Default: os.hostname(). */
  hostname?: string;
  /** Default 120 s. */
  ttlMs?: number;
  takeover?: boolean;
  /** Default: ctx.clock.now(). */
  now?: Date;
  /** Pause before reading the lease back. Default: 3 × the write's duration, at least 250 ms. */
  confirmDelayMs?: number;
  /** Written into the lease so an old LiteFS primary's rejoin hint can name this one. */
  litefs?: LeaseNode;
}

/** `confirmed` settles once the pause and the read-back are over. */
export interface LeaseStart {
  /** Another host had the replica since this one last held it (known before the read-back). */
  took_from: string | undefined;
  /** The lease, or LEASE_HELD when another host's write won the race (see acquireLease). */
  confirmed: Promise<Lease & { took_from?: string }>;
}

// S3 has no portable compare-and-swap: read, decide, write, pause, read back. Of two racing writers
// the earlier fails on read-back, or its keeper sees the other's lease within one heartbeat.
export async function acquireLease(
  ctx: Pick<HostContext, "store" | "log" | "clock" | "paths">,
  options: AcquireLeaseOptions,
): Promise<Lease & { took_from?: string }> {
  return (await beginLease(ctx, options)).confirmed;
}

// Split so the restore (which only reads the replica) overlaps the pause. Nothing may write to
// the replica before `confirmed` settles.
export async function beginLease(
  ctx: Pick<HostContext, "store" | "log" | "clock" | "paths">,
  options: AcquireLeaseOptions,
): Promise<LeaseStart> {
  const me: LeaseHolder = {
    hostId: options.hostId,
    hostname: options.hostname ?? osHostname(),
    ...(options.litefs === undefined ? {} : { litefs: options.litefs }),
  };
  const ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const now = options.now ?? ctx.clock.now();
  const current = await readLease(ctx);
  // Before any decision, --takeover included: a replaced host's copies are older than the replica.
  const record = await readLeaseRecord(ctx.paths);
  if (record !== undefined && current !== undefined && isSuperseded(record, current, me.hostId))
    throw supersededError(ctx, current, record, now);
  const decision = leaseDecision(current, me, now, ttlMs, options.takeover ?? false);
  if (decision.action === "held") throw leaseHeldError(ctx, decision.holder, now);
  if (decision.action === "acquire" && current !== undefined && current.host_id !== me.hostId) {
    if (decision.reason === "released")
      ctx.log.info(
        { event: "lease.handover", previous: current },
        `lease released by ${current.hostname} (${current.host_id}) at ${current.released_at ?? "?"}`,
      );
    else
      ctx.log.warn(
        { event: "lease.taken_over", reason: decision.reason, previous: current },
        `lease taken from ${describeHolder(current, now)}`,
      );
  }
  // took_from: another host had the replica since this one last held it (not on a renewal).
  const tookFrom =
    decision.action === "acquire" && current !== undefined && current.host_id !== me.hostId
      ? current.host_id
      : undefined;
  const lease = leaseBody(me, now, ttlMs, current);
  const writeStarted = Date.now();
  await writeLease(ctx, lease);
  const pauseMs =
    options.confirmDelayMs ?? Math.max(MIN_CONFIRM_DELAY_MS, CONFIRM_ROUND_TRIPS * (Date.now() - writeStarted));
  const confirmed = confirmLease(ctx, me, lease, pauseMs, now).then((held) =>
    tookFrom === undefined ? held : { ...held, took_from: tookFrom },
  );
  // The caller awaits it later; until then its rejection must not count as unhandled.
  confirmed.catch(() => undefined);
  return { took_from: tookFrom, confirmed };
}

async function confirmLease(
  ctx: Pick<HostContext, "store" | "log" | "clock" | "paths">,
  me: LeaseHolder,
  lease: Lease,
  pauseMs: number,
  now: Date,
): Promise<Lease> {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (attempt > 0) await writeLease(ctx, lease);
    await ctx.clock.sleep(pauseMs);
    const stored = await readLease(ctx);
    if (stored?.host_id === me.hostId) {
      await writeLeaseRecord(ctx.paths, { host_id: me.hostId, epoch: lease.epoch ?? 1, released: false });
      ctx.log.info({ event: "lease.acquired", host_id: me.hostId, key: leaseKey(ctx) }, "lease acquired");
      return lease;
    }
    // A previous holder's release overwrote ours between its check and its write: write once more.
    if (stored !== undefined && stored.released_at === undefined) throw leaseHeldError(ctx, stored, now);
  }
  throw new HostctlError("LEASE_LOST", `the lease of ${ctx.store.url} disappeared twice right after it was written`, {
    hint: "another host may be starting or stopping; run hostctl up again",
  });
}

/** Commands outside `up` use this to leave the replica to the live host. */
export async function heldByAnotherHost(
  ctx: Pick<HostContext, "store" | "log" | "clock" | "paths">,
): Promise<Lease | undefined> {
  const current = await readLease(ctx);
  const me: LeaseHolder = { hostId: (await readHostId(ctx.paths)) ?? "", hostname: osHostname() };
  const decision = leaseDecision(current, me, ctx.clock.now(), DEFAULT_LEASE_TTL_MS, false);
  return decision.action === "held" ? decision.holder : undefined;
}

// Only if this host still holds it. The body stays, so the next holder knows who had the replica
// last and whether its own local databases are stale.
export async function releaseLease(
  ctx: Pick<HostContext, "store" | "log" | "clock" | "paths">,
  hostId: string,
): Promise<boolean> {
  const current = await readLease(ctx);
  if (current?.host_id !== hostId || current.released_at !== undefined) return false;
  await writeLease(ctx, { ...current, released_at: ctx.clock.now().toISOString() });
  // Given back: a later holder took a handover, not this host's place.
  await writeLeaseRecord(ctx.paths, { host_id: hostId, epoch: current.epoch ?? 1, released: true });
  ctx.log.info({ event: "lease.released", host_id: hostId }, "lease released");
  return true;
}
