import type { HostContext } from "../../apps/context.js";
import type { AppSpec } from "../../config/schema.js";
import { appPaths } from "../../config/paths.js";
import { pathExists } from "../../lib/fs.js";
import { leaseLostError } from "../../lease/lease.js";
import { LeaseKeeper } from "../../lease/keeper.js";
import { restoreMedia } from "../../media/restore.js";
import type { DatabaseRestore } from "../../restore/restore-app.js";
import type { Supervisor } from "../../supervisor/supervisor.js";
import type { MediaRestoreGate } from "../../media/restore-gate.js";
import { MediaSyncLoop } from "../../media/sync-loop.js";

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
export function wireHost(supervisor: Supervisor, hostId: string, gate?: MediaRestoreGate): MediaSyncLoop {
  const { ctx } = supervisor;
  const keeper = new LeaseKeeper(ctx, { hostId });
  keeper.start((holder) => {
    const error = leaseLostError(ctx, holder, ctx.clock.now());
    ctx.log.error({ event: "lease.lost", holder: holder.host_id, hostname: holder.hostname }, error.message);
    supervisor.fence(error.message);
  });
  supervisor.addStatus(() => ({ lease: { host_id: hostId, ...keeper.status() } }));

  const media = new MediaSyncLoop(ctx, { paused: () => keeper.status().state === "lost", ...(gate ? { gate } : {}) });
  supervisor.attach(media);
  supervisor.afterStop(async () => {
    // Files written in the last seconds count too: the apps have stopped writing.
    await media.flush();
    await keeper.stop();
  });
  return media;
}
