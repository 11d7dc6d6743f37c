import { DrillsObserver } from "../../drills/observer.js";
import { renderMetrics } from "../../drills/metrics.js";
import { engineOf } from "../../litestream/select.js";
import type { MediaSyncLoop } from "../../media/sync-loop.js";
import type { Supervisor } from "../../supervisor/supervisor.js";
import { routeSpec } from "../../supervisor/control-protocol.js";

/** The drill observer with its /metrics and POST /apps/:name/drill routes. */
export async function wireDrills(supervisor: Supervisor, media?: Pick<MediaSyncLoop, "lagSeconds">): Promise<void> {
  const { ctx } = supervisor;
  const observer = new DrillsObserver(ctx);
  supervisor.attach(observer);
  await observer.ready();
  const engine = engineOf(ctx);
  supervisor.addStatus(() => ({ litestream: { version: engine.version, line: engine.line, binary: engine.binary } }));
  supervisor.routes.add(routeSpec("metrics"), () =>
    Promise.resolve({ body: null, text: renderMetrics({ apps: observer.metrics((app) => media?.lagSeconds(app)) }) }),
  );
  supervisor.routes.serve("drill", async ({ name = "" }) => {
    await observer.trigger(supervisor.unit(name).spec);
    return supervisor.unit(name).status();
  });
}
