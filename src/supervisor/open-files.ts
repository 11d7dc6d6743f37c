import type { HostContext } from "../host/context.js";
import { LOW_OPEN_FILES, openFilesLimit } from "../lib/fd-limit.js";
import { connectionCap } from "./control-connections.js";

/** Node raised the soft limit to the hard one; a low hard limit starves Litestream, S3, media. */
export function warnLowOpenFiles(ctx: HostContext): void {
  const limit = openFilesLimit();
  if (limit === undefined || limit >= LOW_OPEN_FILES) return;
  ctx.log.warn(
    { event: "supervisor.open_files_low", limit, control_connections: connectionCap(limit) },
    `only ${limit} open files allowed: raise it (LimitNOFILE= in the systemd unit, ulimit -n before hostctl up)`,
  );
}
