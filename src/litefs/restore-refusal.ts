import type { AppSpec } from "../config/schema.js";
import type { HostPaths } from "../config/paths.js";
import { HostctlError } from "../lib/errors.js";
import { litefsPaths } from "./paths.js";

/**
 * `hostctl restore` writes into the data directory; a LiteFS app's databases live in the mount, which only
 * takes whole databases through LiteFS. Its primary restores at mount when the mount is empty.
 */
export function litefsRestoreRefusal(paths: HostPaths, spec: AppSpec): HostctlError {
  const own = litefsPaths(paths, spec.name);
  return new HostctlError("USAGE", `${spec.name} uses LiteFS: hostctl restore does not write into its mount`, {
    exitCode: 2,
    hint: `on the primary: stop hostctl, move ${own.data} aside, then hostctl up (an empty primary restores from the replica at mount; docs/litefs.md)`,
  });
}
