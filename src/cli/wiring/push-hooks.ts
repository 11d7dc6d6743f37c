import { join } from "node:path";
import type { HostContext } from "../../host/context.js";
import { scanApps } from "../../apps/registry.js";
import { appPaths } from "../../config/paths.js";
import { setupPushRepo } from "../../deploy/push.js";
import { errorMessage } from "../../lib/errors.js";
import { pathExists } from "../../lib/fs.js";
import { cliScript } from "../script.js";

// Older hooks interpolated the branch into shell code and must not stay on disk after an upgrade.
export async function refreshPushHooks(ctx: HostContext): Promise<void> {
  const script = cliScript();
  // An app whose app.yml fails its checks is skipped here; the supervisor shows it failed.
  for (const spec of (await scanApps(ctx.paths)).apps) {
    if (!(await pathExists(join(appPaths(ctx.paths, spec.name).push, "HEAD")))) continue;
    try {
      await setupPushRepo(ctx.run, ctx.paths, spec, { node: process.execPath, script });
    } catch (error) {
      ctx.log.warn(
        { event: "push.hook_refresh_failed", app: spec.name, reason: errorMessage(error) },
        "push.git hook not rewritten: run hostctl app push-setup",
      );
    }
  }
}
