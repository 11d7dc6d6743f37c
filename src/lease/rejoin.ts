import { rename } from "node:fs/promises";
import { basename } from "node:path";
import type { HostContext } from "../host/context.js";
import { loadApps } from "../apps/registry.js";
import { usageError } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";
import { refuseWhileSupervised } from "../litefs/promote.js";
import { isLitefsApp, litefsPaths } from "../litefs/paths.js";
import { forgetLineage } from "../restore/lineage.js";
import { setStaleDatabasesAside } from "../restore/restore-app.js";
import { clearLeaseRecord, readLeaseRecord } from "./lease-record.js";

export interface RejoinResult {
  /** Per app, what was set aside as *.stale-<time> (never deleted). */
  apps: { app: string; set_aside: string[] }[];
  /** The epoch this host held when it was replaced (absent when it had no record). */
  epoch: number | undefined;
}

// Copies are set aside (kept as *.stale-<time>), so the next `up` restores the replica's; the
// lease record is cleared, so `up` may take the lease again.
export async function rejoinFromReplica(ctx: HostContext): Promise<RejoinResult> {
  if (ctx.host.litefs?.role === "replica")
    throw usageError(
      "this node is a LiteFS replica: it follows the primary already (to follow another: hostctl cluster rejoin)",
    );
  await refuseWhileSupervised(ctx, "rejoining");
  const record = await readLeaseRecord(ctx.paths);
  const stamp = ctx.clock.now().toISOString().replace(/[:.]/g, "");
  const apps: RejoinResult["apps"] = [];
  for (const spec of await loadApps(ctx.paths)) {
    let setAside: string[];
    if (isLitefsApp(spec)) {
      // An empty LiteFS primary restores at mount: the replica's lineage, not its own.
      const data = litefsPaths(ctx.paths, spec.name).data;
      setAside = (await pathExists(data)) ? [basename(data)] : [];
      if (setAside.length > 0) await rename(data, `${data}.stale-${stamp}`);
    } else {
      setAside = await setStaleDatabasesAside(spec, ctx);
    }
    await forgetLineage(ctx.paths, spec.name);
    apps.push({ app: spec.name, set_aside: setAside });
  }
  await clearLeaseRecord(ctx.paths);
  ctx.log.warn(
    { event: "lease.rejoined", epoch: record?.epoch, apps },
    "rejoin: this host's copies are set aside; the next hostctl up restores the replica's",
  );
  return { apps, epoch: record?.epoch };
}
