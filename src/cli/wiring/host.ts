import type { HostContext } from "../../apps/context.js";
import type { AppSpec } from "../../config/schema.js";
import { rm } from "node:fs/promises";
import { appPaths } from "../../config/paths.js";
import { writeJsonFile } from "../../lib/json-file.js";
import { HostctlError, errorMessage } from "../../lib/errors.js";
import { pathExists } from "../../lib/fs.js";
import { beginLease, leaseLostError } from "../../lease/lease.js";
import { LeaseConfirmation } from "../../lease/confirmation.js";
import { LeaseKeeper } from "../../lease/keeper.js";
import { loadHostId } from "../../lease/host-id.js";
import { leaseWaitPath, type LeaseWait } from "../../lease/wait.js";
import { restoreMedia } from "../../media/restore.js";
import { setStaleDatabasesAside, type DatabaseRestore } from "../../restore/restore-app.js";
import { scanApps } from "../../apps/registry.js";
import type { Supervisor } from "../../supervisor/main.js";
import type { MediaRestoreGate } from "../../media/restore-gate.js";
import { MediaSyncLoop } from "../../media/sync-loop.js";

export interface TakeLeaseOptions {
  /** Take the lease at once, whoever holds it (the operator knows the old host is gone). */
  takeover: boolean;
  /** While another host holds the lease: wait for its release or expiry (default), or refuse at once. */
  wait: boolean;
  /** Ends the wait (SIGTERM): then undefined is returned and nothing starts. */
  signal: AbortSignal;
  /** How often a held lease is read again while waiting. */
  pollMs?: number;
}

const LEASE_POLL_MS = 5000;

/**
 * One live host per replica prefix. While another host holds the lease fresh, `up` waits (reading it every
 * 5 s, saying which host holds it and since when) and proceeds once it is released or expires; with
 * `--no-wait` it refuses at once (LEASE_HELD, exit 1). --takeover takes it at once. When S3 cannot be reached
 * the lease cannot be read either: the host starts (its Litestream cannot write there anyway) and the keeper
 * settles the lease once S3 answers. It returns once the lease is written: the read-back after the lease's
 * pause is `confirmation`, which whatever writes to the replica waits for (the restore only reads it).
 */
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
      const started = await beginLease(ctx, { hostId, takeover: options.takeover });
      // Local databases older than the replica go aside before the restore, whether or not the read-back
      // confirms the lease: another host has had the replica since this one.
      if (started.took_from !== undefined) await setStaleAside(ctx, started.took_from);
      const confirmation = new LeaseConfirmation(started.confirmed.then((lease) => {
        ctx.log.info({ event: "lease.acquired", host_id: hostId, acquired_at: lease.acquired_at, took_from: lease.took_from, takeover: options.takeover }, "holding the replica lease");
      }), (error) => unavailable(ctx, error));
      return { hostId, confirmation };
    } catch (error) {
      if (!(error instanceof HostctlError && error.code === "LEASE_HELD")) {
        unavailable(ctx, error);
        return { hostId, confirmation: LeaseConfirmation.none() };
      }
      if (!options.wait) throw error;
      // Said once per holder, not at every read (the heartbeat's age changes each time).
      const holder = error.message.replace(/last heartbeat \d+s ago/, "");
      if (holder !== lastHolder) {
        ctx.log.warn({ event: "lease.waiting", reason: error.message, hint: error.hint }, `${error.message}; waiting for its release or expiry (nothing starts meanwhile; hostctl up --takeover takes it at once)`);
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
  ctx.log.warn({ event: "lease.unavailable", reason: errorMessage(error) }, "could not read the replica lease; starting, the keeper retries");
}

/** Another host had the replica since this one last did: local databases are older than the replica. */
async function setStaleAside(ctx: HostContext, previousHostId: string): Promise<void> {
  for (const spec of (await scanApps(ctx.paths)).apps) {
    const moved = await setStaleDatabasesAside(spec, ctx);
    if (moved.length > 0) {
      ctx.log.warn({ event: "database.stale_set_aside", app: spec.name, databases: moved, previous_host_id: previousHostId },
        `${spec.name}: host ${previousHostId} held the replica since this host did, so the local ${moved.join(", ")} are older than the replica: kept as *.stale-<time>, restoring from the replica`);
    }
  }
}

/** On a host that recovers an app, its media comes back before the app starts (Litestream covers SQLite only). */
export function restoreMediaFirst(ctx: HostContext, recovered?: Set<string>, gate?: MediaRestoreGate) {
  return async (spec: AppSpec, databases: DatabaseRestore[]): Promise<void> => {
    const media = appPaths(ctx.paths, spec.name).media;
    if (!databases.some((db) => db.action === "restored") && (await pathExists(media))) return;
    const restore = () => restoreMedia(spec.name, media, ctx);
    const result = gate ? await gate.around(spec.name, restore) : await restore();
    if (databases.some((db) => db.action === "restored")) recovered?.add(spec.name);
    if (result.downloaded > 0) ctx.log.info({ event: "media.restored", app: spec.name, files: result.files, bytes: result.bytes }, "media restored");
  };
}

/** The lease heartbeat, media shipping, and at shutdown a last media sync before the lease is released. */
export function wireHost(supervisor: Supervisor, taken: TakenLease, gate?: MediaRestoreGate): MediaSyncLoop {
  const { ctx } = supervisor;
  const { hostId, confirmation } = taken;
  const keeper = new LeaseKeeper(ctx, { hostId });
  void confirmation.settled.then((ok) => {
    if (!ok) {
      // Another host's write won the lease race: nothing of this host has written to the replica (all of it
      // waits for the confirmation). Stop; systemd starts `up` again, which then waits for that host's lease.
      const reason = confirmation.reason ?? "lease lost";
      supervisor.fence(reason);
      ctx.log.error({ event: "lease.race_lost", reason }, `${reason}: stopping without replicating`);
      supervisor.requestStop("lease race lost", 1);
      return;
    }
    if (supervisor.stopping.signal.aborted) return;
    keeper.start((holder) => {
      const error = leaseLostError(ctx, holder, ctx.clock.now());
      ctx.log.error({ event: "lease.lost", holder: holder.host_id, hostname: holder.hostname }, error.message);
      supervisor.fence(error.message);
    });
  });
  supervisor.addStatus(() => ({ lease: { host_id: hostId, ...keeper.status() } }));

  const media = new MediaSyncLoop(ctx, { paused: () => confirmation.state !== "confirmed" || keeper.status().state === "lost", ...(gate ? { gate } : {}) });
  supervisor.attach(media);
  supervisor.afterStop(async () => {
    // Files written in the last seconds count too: the apps have stopped writing.
    await media.flush();
    await keeper.stop();
  });
  return media;
}
