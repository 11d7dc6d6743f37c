import { rename } from "node:fs/promises";
import { join } from "node:path";
import type { CommandResult, Deps } from "../deps.js";
import { loadHostContext } from "../../host/context.js";
import { requireApp } from "../../apps/registry.js";
import { appPaths, type HostPaths } from "../../config/paths.js";
import type { AppSpec } from "../../config/schema.js";
import { HostctlError, usageError } from "../../lib/errors.js";
import { pathExists } from "../../lib/fs.js";
import { ensureDatabases, refreshLitestreamConfigs } from "../../restore/restore-app.js";
import { forgetLineage } from "../../restore/lineage.js";
import { callControl } from "../../supervisor/control-client.js";
import { isLitefsApp, litefsPaths } from "../../litefs/paths.js";

// Date.parse accepts "1" (2001): Litestream wants RFC 3339, checked before the app is stopped.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function isRfc3339(text: string): boolean {
  return RFC3339.test(text) && !Number.isNaN(Date.parse(text));
}

export interface RestoreOptions {
  timestamp?: string;
  force?: boolean;
}

// An existing database is never overwritten without --force; with it the app is stopped first
// and the old files are kept aside, not deleted.
export async function restore(name: string, options: RestoreOptions, deps: Deps): Promise<CommandResult> {
  const spec = await requireApp(deps.paths, name);
  if (isLitefsApp(spec)) throw litefsRestoreRefusal(deps.paths, spec);
  if (options.timestamp !== undefined && !isRfc3339(options.timestamp)) {
    throw usageError(
      `argument --timestamp "${options.timestamp}": expected an RFC 3339 time such as 2026-11-23T03:00:00Z`,
    );
  }
  const ctx = await loadHostContext(deps);
  const app = appPaths(deps.paths, name);
  const present = [];
  for (const db of spec.databases) if (await pathExists(join(app.data, db.path))) present.push(db.path);
  if (present.length > 0 && !options.force) {
    throw new HostctlError("DB_EXISTS", `${name}: ${present.join(", ")} already exist; restore would replace them`, {
      exitCode: 2,
      hint: `hostctl restore ${name} --force (the app is stopped and the current files are kept aside)`,
    });
  }
  let stoppedSupervised = false;
  const asides: [string, string][] = [];
  if (present.length > 0) {
    const reason = `stopped for hostctl restore ${name} --force (pid ${process.pid}, ${ctx.clock.now().toISOString()}); if it was interrupted, run it again or: hostctl start ${name}`;
    const stopped = await callControl(deps.paths, "stop", { name, body: { reason } });
    stoppedSupervised = stopped?.ok === true;
    const stamp = ctx.clock.now().toISOString().replace(/[:.]/g, "");
    for (const db of present) {
      for (const suffix of ["", "-wal", "-shm"]) {
        const file = `${join(app.data, db)}${suffix}`;
        const aside = `${join(app.data, db)}.before-restore-${stamp}${suffix}`;
        if (await pathExists(file)) {
          await rename(file, aside);
          asides.push([aside, file]);
        }
      }
    }
    deps.progress(`kept the current files aside as *.before-restore-${stamp}`);
  }
  try {
    await refreshLitestreamConfigs(spec, ctx);
    const results = await ensureDatabases(spec, ctx, options.timestamp ? { timestamp: options.timestamp } : {});
    // A file restored here is the replica's: it claims a lineage of its own when Litestream starts.
    await forgetLineage(
      ctx.paths,
      name,
      results.filter((r) => r.action !== "present").map((r) => r.path),
    );
    const lines = results.map(
      (r) =>
        `${r.path}: ${r.action}${r.restore_ms === undefined ? "" : ` in ${r.restore_ms} ms`}${r.generation ? ` (generation ${r.generation})` : ""}`,
    );
    return { text: lines.join("\n"), data: { app: name, databases: results } };
  } catch (error) {
    // The restore failed: put the previous files back rather than leave the app without its data.
    for (const [aside, file] of asides) if (!(await pathExists(file))) await rename(aside, file);
    throw error;
  } finally {
    ctx.store.close();
    if (stoppedSupervised) await callControl(deps.paths, "start", { name });
  }
}

// A LiteFS mount takes whole databases only through LiteFS; its primary restores at mount when
// the mount is empty.
function litefsRestoreRefusal(paths: HostPaths, spec: AppSpec): HostctlError {
  const own = litefsPaths(paths, spec.name);
  return new HostctlError("USAGE", `${spec.name} uses LiteFS: hostctl restore does not write into its mount`, {
    exitCode: 2,
    hint: `on the primary: stop hostctl, move ${own.data} aside, then hostctl up (an empty primary restores from the replica at mount; docs/litefs.md)`,
  });
}
