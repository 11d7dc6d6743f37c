import { join } from "node:path";
import type { AppPaths } from "../config/paths.js";
import { HostctlError } from "../lib/errors.js";
import { readReleaseMeta } from "./releases.js";

/**
 * A deploy of the commit the live release already runs would only make a duplicate release: it is refused,
 * saying so, unless --force (which deploys it again: a new release, release phase included).
 */
export async function refuseAlreadyLive(app: AppPaths, name: string, current: string | undefined, sha: string): Promise<void> {
  if (current === undefined) return;
  const meta = await readReleaseMeta(join(app.releases, current));
  if (meta?.commit !== sha) return;
  throw new HostctlError("DEPLOY_REFUSED", `${name} already runs ${sha.slice(0, 7)} (release ${current}): nothing new to deploy`, {
    exitCode: 2,
    hint: `hostctl deploy ${name} --force deploys it again (a new release, release phase included)`,
  });
}
