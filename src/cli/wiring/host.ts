import type { HostContext } from "../../host/context.js";
import type { AppSpec } from "../../config/schema.js";
import { appPaths } from "../../config/paths.js";
import { pathExists } from "../../lib/fs.js";
import { leaseLostError } from "../../lease/lease.js";
import type { TakenLease } from "../../lease/take.js";
import { LeaseKeeper } from "../../lease/keeper.js";
import { restoreMedia } from "../../media/restore.js";
import type { DatabaseRestore } from "../../restore/restore-app.js";
import type { Supervisor } from "../../supervisor/supervisor.js";
import type { MediaRestoreGate } from "../../media/restore-gate.js";
import { MediaSyncLoop } from "../../media/sync-loop.js";

type MediaRestore = Awaited<ReturnType<typeof restoreMedia>>;

// Litestream covers SQLite only, so media come back before the app starts; an app with no media
// directory here has its media restore begin with the databases' rather than after.
export function restoreMediaFirst(ctx: HostContext, recovered?: Set<string>, gate?: MediaRestoreGate) {
  const begun = new Map<string, Promise<MediaRestore | undefined>>();
  const restore = (spec: AppSpec): Promise<MediaRestore> => {
    const run = () => restoreMedia(spec.name, appPaths(ctx.paths, spec.name).media, ctx);
    return gate ? gate.around(spec.name, run) : run();
  };
  return {
    begin: (spec: AppSpec): void => {
      const media = appPaths(ctx.paths, spec.name).media;
      // After an earlier boot's restore still running (its databases failed; this is the retry).
      const before = begun.get(spec.name)?.catch(() => undefined) ?? Promise.resolve(undefined);
      const early = before.then(async () => ((await pathExists(media)) ? undefined : restore(spec)));
      // Awaited by `after`, which a boot whose databases fail never reaches.
      early.catch(() => undefined);
      begun.set(spec.name, early);
    },
    /** A media restore begun for a boot that never reached `after` ends before the process does. */
    settle: async (): Promise<void> => {
      await Promise.all([...begun.values()].map((early) => early.catch(() => undefined)));
    },
    after: async (spec: AppSpec, databases: DatabaseRestore[]): Promise<void> => {
      const early = begun.get(spec.name);
      begun.delete(spec.name);
      const restored = databases.some((db) => db.action === "restored");
      let result = early ? await early : undefined;
      if (result === undefined) {
        if (!restored && (await pathExists(appPaths(ctx.paths, spec.name).media))) return;
        result = await restore(spec);
      }
      if (restored) recovered?.add(spec.name);
      if (result.downloaded > 0)
        ctx.log.info(
          { event: "media.restored", app: spec.name, files: result.files, bytes: result.bytes },
          "media restored",
        );
    },
  };
}

/** `release`, once the apps stopped: a last media sync, then the lease goes. */
export function wireHost(
  supervisor: Supervisor,
  taken: TakenLease,
  gate?: MediaRestoreGate,
): { media: MediaSyncLoop; release: () => Promise<void> } {
  const { ctx } = supervisor;
  const { hostId, confirmation } = taken;
  const keeper = new LeaseKeeper(ctx, { hostId });
  void confirmation.settled.then((ok) => {
    if (!ok) {
      // Another host won the lease race before this host wrote anything to the replica. Stop;
      // systemd restarts `up`, which then waits for that host's lease.
      const reason = confirmation.reason ?? "lease lost";
      supervisor.fence(reason);
      ctx.log.error({ event: "lease.race_lost", reason }, `${reason}: stopping without replicating`);
      supervisor.requestStop("lease race lost", 1);
      return;
    }
    if (supervisor.stopSignal.aborted) return;
    keeper.start((holder) => {
      const error = leaseLostError(ctx, holder, ctx.clock.now());
      ctx.log.error({ event: "lease.lost", holder: holder.host_id, hostname: holder.hostname }, error.message);
      supervisor.fence(error.message);
    });
  });
  supervisor.addStatus(() => ({ lease: { host_id: hostId, ...keeper.status() } }));

  const media = new MediaSyncLoop(ctx, {
    paused: () => confirmation.state !== "confirmed" || keeper.status().state === "lost",
    ...(gate ? { gate } : {}),
  });
  supervisor.attach(media);
  const release = async () => {
    // Files written in the last seconds count too: the apps have stopped writing.
    await media.flush();
    await keeper.stop();
  };
  return { media, release };
}
