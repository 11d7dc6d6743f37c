import type { HostContext } from "../host/context.js";
import { errorMessage } from "../lib/errors.js";
import { versionArgs } from "../litestream/args.js";
import type { DrillVersions } from "./result.js";

// Per context: the binaries do not change under a running process.
const versionsByContext = new WeakMap<HostContext, Promise<DrillVersions | null>>();

export function readVersions(ctx: HostContext): Promise<DrillVersions | null> {
  let versions = versionsByContext.get(ctx);
  if (!versions) versionsByContext.set(ctx, (versions = probeVersions(ctx)));
  return versions;
}

async function probeVersions(ctx: HostContext): Promise<DrillVersions | null> {
  try {
    const [litestream, sqlite] = await Promise.all([
      ctx.run(ctx.litestream, versionArgs(), { timeoutMs: 10_000 }),
      ctx.run("sqlite3", ["--version"], { timeoutMs: 10_000 }),
    ]);
    return { litestream: litestream.stdout.trim(), sqlite: sqlite.stdout.trim().split(" ")[0] ?? "" };
  } catch (error) {
    ctx.log.warn(
      { event: "drill.versions_failed", error: errorMessage(error) },
      "cannot read Litestream/SQLite versions",
    );
    return null;
  }
}
