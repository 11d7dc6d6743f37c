import { join } from "node:path";
import type { HostContext } from "../../host/context.js";
import { scanApps } from "../../apps/registry.js";
import { appPaths } from "../../config/paths.js";
import type { AppSpec } from "../../config/schema.js";
import { errorMessage } from "../../lib/errors.js";
import { pathExists } from "../../lib/fs.js";
import { isLitefsApp } from "../../litefs/paths.js";
import { refreshLitestreamConfigs, restoreOnBoot, type DatabaseRestore } from "../../restore/restore-app.js";
import { BOOT_CONCURRENCY } from "../../supervisor/supervisor-options.js";

/** As many restores begin early as apps boot at once. */
const EARLY_LIMIT = BOOT_CONCURRENCY;

// On a fresh host restores begin while the supervisor loads the rest; each boot `take`s the result
// as if it had run it. LiteFS apps and apps with all databases present do not begin early.
export class EarlyRestores {
  private readonly begun = new Map<string, Promise<DatabaseRestore[]>>();

  constructor(private readonly ctx: HostContext) {}

  /** Never throws: an app whose restore cannot begin early restores at boot, which reports why. */
  async beginAll(): Promise<void> {
    await this.begin().catch((error: unknown) =>
      this.ctx.log.warn(
        { event: "restore.early_not_begun", reason: errorMessage(error) },
        "restore-on-boot not begun early; it runs at boot",
      ),
    );
  }

  private async begin(): Promise<void> {
    const { ctx } = this;
    const waiting: AppSpec[] = [];
    for (const spec of (await scanApps(ctx.paths)).apps.slice(0, EARLY_LIMIT)) {
      if (isLitefsApp(spec)) continue;
      const data = appPaths(ctx.paths, spec.name).data;
      const present = await Promise.all(spec.databases.map((db) => pathExists(join(data, db.path))));
      if (present.some((exists) => !exists)) waiting.push(spec);
    }
    if (waiting[0] === undefined) return;
    // The restore reads each app's Litestream config, which the supervisor writes later.
    await refreshLitestreamConfigs(waiting[0], ctx);
    for (const spec of waiting) {
      const restore = restoreOnBoot(spec, ctx);
      restore.catch(() => undefined); // the boot that takes it sees the failure
      this.begun.set(spec.name, restore);
    }
  }

  /** The restore begun for this app, once (a retried boot restores anew). */
  take(app: string): Promise<DatabaseRestore[]> | undefined {
    const restore = this.begun.get(app);
    this.begun.delete(app);
    return restore;
  }

  /** Restores no boot took end before the process does: one cut short leaves a stray file. */
  async settle(): Promise<void> {
    await Promise.all([...this.begun.values()].map((restore) => restore.catch(() => undefined)));
  }
}
