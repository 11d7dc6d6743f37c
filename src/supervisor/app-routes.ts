import { loadAppSpec } from "../config/app.js";
import { assertAppEnvFits } from "../apps/env.js";
import { HostctlError } from "../lib/errors.js";
import { isLitefsApp } from "../litefs/paths.js";
import { refuseRenamedDatabases } from "../restore/restore-app.js";
import type { AppUnit } from "./app-unit.js";
import type { Supervisor } from "./supervisor.js";

/** `hostctl restart` after app.yml was edited: the spec on disk differs from the one supervised. */
async function specChanged(s: Supervisor, unit: AppUnit): Promise<boolean> {
  const onDisk = await loadAppSpec(s.ctx.paths, unit.spec.name);
  return JSON.stringify(onDisk) !== JSON.stringify(unit.spec);
}

/** Each route runs in the app's queue, one at a time. */
export function serveAppRoutes(s: Supervisor): void {
  s.routes
    .serve("status", () => Promise.resolve(s.status()))
    .serve("stop", ({ name = "" }, { reason }) =>
      s.queue.run(name, async () => {
        await s.unit(name).stop(reason);
        return s.unit(name).status();
      }),
    )
    .serve("load", ({ name = "" }) => s.queue.run(name, async () => (await s.loadApp(name)).status()))
    .serve("unload", ({ name = "" }) =>
      s.queue.run(name, async () => {
        await s.unloadApp(name);
        return { name, unloaded: true as const };
      }),
    )
    .serve("start", ({ name = "" }) =>
      s.queue.run(name, async () => {
        const unit = s.unit(name);
        if (unit.state === "stopped" || unit.state === "failed" || unit.state === "waiting") await unit.boot();
        return unit.status();
      }),
    )
    .serve("restart", ({ name = "" }) =>
      s.queue.run(name, async () => {
        if (s.isInvalid(name)) return { ...(await s.reloadInvalid(name)).status(), reloaded: true };
        const unit = s.unit(name);
        // Checked before anything stops: an env no process can take would leave the app down.
        await assertAppEnvFits(s.ctx.paths, name);
        if (await specChanged(s, unit)) {
          // Not on a host that lost its lease: it could not load the app again, and the app would
          // stop serving.
          if (s.fenced) throw new HostctlError("LEASE_LOST", `${s.fenced}; app.yml changes are not applied here`);
          const edited = await loadAppSpec(s.ctx.paths, name);
          if (!isLitefsApp(edited)) await refuseRenamedDatabases(edited, unit.spec, s.ctx);
          s.ctx.log.info({ event: "app.reload", app: name }, "app.yml changed: reloading the app");
          await s.unloadApp(name);
          const reloaded = await s.loadApp(name);
          await reloaded.boot();
          return { ...reloaded.status(), reloaded: true };
        }
        // Behind the proxy: a fresh set of the live release beside the old one, then the switch.
        const result = await unit.restart();
        return {
          ...unit.status(),
          ...(result
            ? {
                switch_ms: result.switch_ms,
                drain_s: result.drain_s,
                ...(result.warning ? { warning: result.warning } : {}),
              }
            : {}),
        };
      }),
    )
    .serve("activate", ({ name = "" }, { releaseDir }) => s.queue.run(name, () => s.activate(name, releaseDir)));
}
