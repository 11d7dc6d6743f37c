import type { HostContext } from "../host/context.js";
import { appPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import { errorMessage } from "../lib/errors.js";
import { mediaPrefix, relativeTo } from "../media/replica-keys.js";
import { scanMedia } from "../media/scan.js";
import { checkMediaFreshness, checkMediaReferences } from "./media-checks.js";
import { readMediaReferences } from "./media-refs.js";
import { check, type CheckResult } from "./result.js";
import { isDjangoKind } from "../config/kinds.js";

export interface MediaDrillInput {
  spec: AppSpec;
  ctx: HostContext;
  restoredDb: string;
  liveDb: string;
  /** Compare with the live media directory too (not with --no-live). */
  live: boolean;
  now: Date;
  maxLagMs: number;
  /** Begun beside the restore (replicaMedia); listed here when absent. */
  replica?: Promise<Map<string, number>>;
}

/** The replica's live media objects of the app: relative path → size. */
export async function replicaMedia(ctx: HostContext, app: string): Promise<Map<string, number>> {
  const prefix = mediaPrefix(ctx.store.target, app);
  const out = new Map<string, number>();
  for (const object of await ctx.store.listDetailed(prefix)) {
    const path = relativeTo(prefix, object.location);
    if (path !== undefined) out.set(path, object.size);
  }
  return out;
}

/** Run on the restored copy of the first database (Django's default). */
export async function drillMedia(input: MediaDrillInput): Promise<CheckResult[]> {
  const { spec, ctx } = input;
  let replica: Map<string, number>;
  try {
    replica = await (input.replica ?? replicaMedia(ctx, spec.name));
  } catch (error) {
    return [check("media_references", false, `cannot list the replica's media: ${errorMessage(error)}`)];
  }
  const checks: CheckResult[] = [];
  const local = input.live ? await scanMedia(appPaths(ctx.paths, spec.name).media) : undefined;
  if (isDjangoKind(spec.kind)) {
    try {
      const refs = await readMediaReferences(spec, ctx, input.restoredDb, input.liveDb);
      const context = {
        ignore: ctx.host.drills.media_references.ignore,
        ...(local ? { live: new Set(local.keys()) } : {}),
      };
      checks.push(
        refs === undefined
          ? check("media_references", true, "not checked: the app has no live release to read its models with")
          : checkMediaReferences(refs, new Set(replica.keys()), context),
      );
    } catch (error) {
      checks.push(
        check(
          "media_references",
          false,
          `could not list the files the restored database references: ${errorMessage(error).split("\n").slice(-3).join(" ")}`,
        ),
      );
    }
  }
  if (local) {
    checks.push(checkMediaFreshness(local, replica, input.now, input.maxLagMs).check);
  }
  return checks;
}
