import { rm } from "node:fs/promises";
import type { HostContext } from "../host/context.js";
import { scanApps } from "../apps/registry.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import { writeJsonFile } from "../lib/json-file.js";
import { setStaleDatabasesAside } from "../restore/restore-app.js";
import { loadHostId } from "./host-id.js";
import type { LeaseNode } from "./decision.js";
import { beginLease } from "./lease.js";
import { LeaseConfirmation } from "./confirmation.js";
import { leaseWaitPath, type LeaseWait } from "./wait.js";

export interface TakeLeaseOptions {
  /** Take the lease at once, whoever holds it (the operator knows the old host is gone). */
  takeover: boolean;
  /** While another host holds the lease: wait for release or expiry (default), or refuse now. */
  wait: boolean;
  /** Ends the wait (SIGTERM): then undefined is returned and nothing starts. */
  signal: AbortSignal;
  /** How often a held lease is read again while waiting. */
  pollMs?: number;
  /** This host as a LiteFS primary (a candidate): written into the lease. */
  litefs?: LeaseNode;
  /** Words a refusal for this host (a LiteFS candidate's names cluster rejoin). */
  explain?: (error: HostctlError) => HostctlError;
}

const LEASE_POLL_MS = 5000;

// Unreachable S3 lets the host start (its Litestream cannot write there either); the keeper settles
// the lease later. Returns once written; writers to the replica wait for `confirmation`.
export async function takeLease(ctx: HostContext, options: TakeLeaseOptions): Promise<TakenLease | undefined> {
  const hostId = await loadHostId(ctx.paths);
  try {
    return await leaseLoop(ctx, hostId, options);
  } finally {
    await rm(leaseWaitPath(ctx.paths), { force: true });
  }
}

export interface TakenLease {
  hostId: string;
  confirmation: LeaseConfirmation;
}

async function leaseLoop(ctx: HostContext, hostId: string, options: TakeLeaseOptions): Promise<TakenLease | undefined> {
  let lastHolder: string | undefined;
  const since = ctx.clock.now().toISOString();
  for (;;) {
    try {
      const started = await beginLease(ctx, {
        hostId,
        takeover: options.takeover,
        ...(options.litefs === undefined ? {} : { litefs: options.litefs }),
      });
      // Set aside before the restore, confirmed or not: another host has had the replica since.
      if (started.took_from !== undefined) await setStaleAside(ctx, started.took_from);
      const confirmation = new LeaseConfirmation(
        started.confirmed.then((lease) => {
          ctx.log.info(
            {
              event: "lease.acquired",
              host_id: hostId,
              acquired_at: lease.acquired_at,
              took_from: lease.took_from,
              takeover: options.takeover,
            },
            "holding the replica lease",
          );
        }),
        (error) => unavailable(ctx, error),
      );
      return { hostId, confirmation };
    } catch (caught) {
      // Replaced while it was down: waiting would only hand it the lease back with its old copies.
      if (caught instanceof HostctlError && caught.code === "LEASE_SUPERSEDED")
        throw options.explain?.(caught) ?? caught;
      if (!(caught instanceof HostctlError && caught.code === "LEASE_HELD")) {
        unavailable(ctx, caught);
        return { hostId, confirmation: LeaseConfirmation.none() };
      }
      const error = options.explain?.(caught) ?? caught;
      if (!options.wait) throw error;
      // Said once per holder, not at every read (the heartbeat's age changes each time).
      const holder = error.message.replace(/last heartbeat \d+s ago/, "");
      if (holder !== lastHolder) {
        ctx.log.warn(
          { event: "lease.waiting", reason: error.message, hint: error.hint },
          `${error.message}; waiting for its release or expiry (nothing starts meanwhile). ${error.hint ?? ""}`,
        );
        lastHolder = holder;
      }
      const wait: LeaseWait = { pid: process.pid, since, reason: error.message };
      await writeJsonFile(leaseWaitPath(ctx.paths), wait);
      await ctx.clock.sleep(options.pollMs ?? LEASE_POLL_MS, options.signal);
      if (options.signal.aborted) return undefined;
    }
  }
}

function unavailable(ctx: HostContext, error: unknown): void {
  ctx.log.warn(
    { event: "lease.unavailable", reason: errorMessage(error) },
    "could not read the replica lease; starting, the keeper retries",
  );
}

/** Another host had the replica since: local databases are older than the replica. */
async function setStaleAside(ctx: HostContext, previousHostId: string): Promise<void> {
  for (const spec of (await scanApps(ctx.paths)).apps) {
    const moved = await setStaleDatabasesAside(spec, ctx);
    if (moved.length > 0) {
      ctx.log.warn(
        { event: "database.stale_set_aside", app: spec.name, databases: moved, previous_host_id: previousHostId },
        `${spec.name}: host ${previousHostId} held the replica since this host did, so the local ${moved.join(", ")} are older than the replica: kept as *.stale-<time>, restoring from the replica`,
      );
    }
  }
}
