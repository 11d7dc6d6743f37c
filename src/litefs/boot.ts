import type { HostContext } from "../host/context.js";
import { ensurePrivateDirs } from "../apps/private-files.js";
import { loadApps } from "../apps/registry.js";
import type { AppSpec } from "../config/schema.js";
import { appPaths } from "../config/paths.js";
import { engineOf } from "../litestream/select.js";
import { writeLitestreamConfigs } from "../litestream/config-files.js";
import type { DatabaseRestore } from "../restore/restore-app.js";
import type { BackoffPolicy } from "../supervisor/backoff.js";
import { requireLitefs } from "./config-files.js";
import { ensureLitefsDatabases } from "./databases.js";
import { LitefsNode } from "./node.js";
import { litefsPort } from "./ports.js";

export interface LitefsBootDeps {
  policy: BackoffPolicy;
  graceMs: number;
  onChange: () => void;
}

/** Made once per unit: a failed boot's retry reuses it (one `litefs mount` per app). */
export async function createLitefsNode(spec: AppSpec, ctx: HostContext, deps: LitefsBootDeps): Promise<LitefsNode> {
  const litefs = requireLitefs(ctx.host, ctx.paths.hostConfig);
  return new LitefsNode(spec, {
    ctx,
    litefs,
    port: litefsPort(litefs.port_base, await loadApps(ctx.paths), spec.name),
    ...deps,
  });
}

// Replaces the single-host restore: databases are restored or created on the primary and
// awaited on a replica.
export async function bootLitefs(spec: AppSpec, ctx: HostContext, node: LitefsNode): Promise<DatabaseRestore[]> {
  const litefs = requireLitefs(ctx.host, ctx.paths.hostConfig);
  await ensurePrivateDirs(appPaths(ctx.paths, spec.name));
  await writeLitestreamConfigs(ctx.paths, ctx.host, await loadApps(ctx.paths), { engine: engineOf(ctx) });
  const info = await node.mount();
  ctx.log
    .child({ app: spec.name })
    .info(
      { event: "litefs.ready", primary: info.isPrimary ? "self" : info.primary },
      info.isPrimary ? "LiteFS mounted: primary" : `LiteFS mounted: replica of ${info.primary}`,
    );
  return ensureLitefsDatabases(spec, ctx, node, litefs.binary, info.isPrimary);
}
