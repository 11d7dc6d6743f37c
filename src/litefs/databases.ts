import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import { appPaths } from "../config/paths.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";
import { sqliteQuery } from "../lib/sqlite.js";
import { engineOf } from "../litestream/select.js";
import { litestreamEnv } from "../s3/credentials.js";
import { locallyReplicated, readMarker } from "../restore/markers.js";
import { readableReplicaState, type DatabaseRestore } from "../restore/restore-app.js";
import type { LitefsNode } from "./node.js";

export function importArgs(apiUrl: string, name: string, file: string): string[] {
  return ["import", "-url", apiUrl, "-name", name, file];
}

// Fail-closed as on a single host. Restores stage a file for `litefs import` (LiteFS takes whole
// databases only through its API); WAL-mode creation only when the replica is empty.
async function ensureOnPrimary(
  spec: AppSpec,
  ctx: HostContext,
  node: LitefsNode,
  litefsBinary: string,
): Promise<DatabaseRestore[]> {
  const app = appPaths(ctx.paths, spec.name);
  const results: DatabaseRestore[] = [];
  for (const db of spec.databases) {
    const path = join(node.paths.mount, db.path);
    if (await pathExists(path)) {
      results.push({ path: db.path, action: "present" });
      continue;
    }
    const state = await readableReplicaState(ctx, spec.name, db.path);
    if (state.state === "exists") {
      const started = Date.now();
      await restoreAndImport(ctx, spec, node, db.path, join(app.data, `.litefs-import-${db.path}`), litefsBinary);
      results.push({ path: db.path, action: "restored", restore_ms: Date.now() - started });
      continue;
    }
    const marker = await readMarker(ctx, spec.name, db.path);
    const local = await locallyReplicated(ctx, spec.name, db.path);
    if (marker || local) {
      throw new HostctlError(
        "REPLICA_MARKER_MISMATCH",
        `${spec.name}: ${db.path} is missing and its replica is empty, but it has been replicated since ${marker?.first_replicated_at ?? local ?? ""}; refusing to start on an empty database`,
        {
          hint: "check replica.url in hostctl.yml (a wrong prefix looks empty); if the data is truly gone, delete the marker under _hostctl/markers/ in the replica target",
        },
      );
    }
    await sqliteQuery(ctx.run, path, "PRAGMA journal_mode=WAL;");
    results.push({ path: db.path, action: "fresh" });
  }
  return results;
}

async function restoreAndImport(
  ctx: HostContext,
  spec: AppSpec,
  node: LitefsNode,
  name: string,
  staging: string,
  litefsBinary: string,
): Promise<void> {
  const engine = engineOf(ctx);
  const leftovers = [staging, `${staging}-wal`, `${staging}-shm`, ...engine.restoreLeftovers(staging)];
  await Promise.all(leftovers.map((file) => rm(file, { force: true })));
  try {
    await ctx.run(
      ctx.litestream,
      engine.restoreArgs({
        configPath: appPaths(ctx.paths, spec.name).litestreamConfig,
        dbPath: join(node.paths.mount, name),
        outputPath: staging,
      }),
      {
        env: litestreamEnv(ctx.credentials),
        cleanEnv: true,
        timeoutMs: 60 * 60_000,
      },
    );
    const check = await sqliteQuery(ctx.run, staging, "PRAGMA quick_check;", { readonly: true });
    if (check[0]?.quick_check !== "ok")
      throw new Error(`the restored copy failed PRAGMA quick_check: ${JSON.stringify(check.slice(0, 3))}`);
    await ctx.run(litefsBinary, importArgs(node.apiUrl, name, staging), { timeoutMs: 60 * 60_000 });
  } catch (error) {
    throw new HostctlError(
      "RESTORE_FAILED",
      `${spec.name}: restoring ${name} into LiteFS failed: ${errorMessage(error)}`,
      {
        cause: error,
        hint: `run: hostctl doctor; then hostctl restart ${spec.name}`,
      },
    );
  } finally {
    await Promise.all(leftovers.map((file) => rm(file, { force: true })));
  }
}

/** A replica never restores or creates: it waits (bounded) for the primary's databases. */
async function waitOnReplica(spec: AppSpec, node: LitefsNode, timeoutMs: number): Promise<DatabaseRestore[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing: string[] = [];
    for (const db of spec.databases) if (!(await pathExists(join(node.paths.mount, db.path)))) missing.push(db.path);
    if (missing.length === 0) return spec.databases.map((db) => ({ path: db.path, action: "present" as const }));
    if (Date.now() > deadline) {
      throw new HostctlError(
        "LITEFS_FAILED",
        `${spec.name}: ${missing.join(", ")} not replicated from the primary yet (a replica never creates a database)`,
        {
          hint: `start the app on the primary first (hostctl up there), then: hostctl restart ${spec.name}`,
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export async function ensureLitefsDatabases(
  spec: AppSpec,
  ctx: HostContext,
  node: LitefsNode,
  litefsBinary: string,
  isPrimary: boolean,
): Promise<DatabaseRestore[]> {
  return isPrimary ? ensureOnPrimary(spec, ctx, node, litefsBinary) : waitOnReplica(spec, node, 30_000);
}
