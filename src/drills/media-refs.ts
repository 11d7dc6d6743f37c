import { realpath } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { HostContext } from "../host/context.js";
import { releasePython, releaseProcessEnv } from "../apps/release-env.js";
import { appPaths } from "../config/paths.js";
import type { AppSpec } from "../config/schema.js";
import { errorMessage } from "../lib/errors.js";
import { pathExists } from "../lib/fs.js";

/** Shipped with hostctl (package.json "files"): lists the FileField values of a Django database. */
export const MEDIA_REFERENCES_SCRIPT = fileURLToPath(new URL("../../templates/media-references.py", import.meta.url));

const SCRIPT_TIMEOUT_MS = 10 * 60_000;

export interface MediaReferences {
  /** [name relative to MEDIA_ROOT, "app_label.Model.field" of its first reference], by name. */
  references: [string, string][];
  /** Fields whose storage is not MEDIA_ROOT on this host (not hostctl's to check). */
  skipped: string[];
  /** Fields that could not be read from the restored copy. */
  errors: string[];
}

/** DATABASE_URL names the restored copy and the script re-points any alias naming the live file.
 * Undefined with no live release (nothing to run the models with). */
export async function readMediaReferences(
  spec: AppSpec,
  ctx: HostContext,
  restoredDb: string,
  liveDb: string,
): Promise<MediaReferences | undefined> {
  const app = appPaths(ctx.paths, spec.name);
  if (!(await pathExists(app.current))) return undefined;
  const releaseDir = await realpath(app.current);
  const python = await releasePython(spec, releaseDir);
  // The app's own environment (settings shim included), pointed at the restored copy.
  const env = { ...(await releaseProcessEnv(ctx.paths, spec, releaseDir)), DATABASE_URL: `sqlite:///${restoredDb}` };
  const result = await ctx.run(python, [MEDIA_REFERENCES_SCRIPT, restoredDb, liveDb], {
    cwd: releaseDir,
    env,
    cleanEnv: true,
    timeoutMs: SCRIPT_TIMEOUT_MS,
  });
  try {
    return JSON.parse(result.stdout) as MediaReferences;
  } catch (error) {
    throw new Error(`media-references.py printed no JSON (${errorMessage(error)}): ${result.stdout.slice(0, 200)}`, {
      cause: error,
    });
  }
}
