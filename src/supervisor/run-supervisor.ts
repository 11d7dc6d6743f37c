import type { HostContext } from "../host/context.js";
import { LOW_OPEN_FILES, openFilesLimit } from "../lib/fd-limit.js";
import { connectionCap } from "./control-connections.js";
import { acquireSupervisorLock } from "./supervisor-lock.js";
import { Supervisor } from "./supervisor.js";
import type { SupervisorOptions } from "./supervisor-options.js";

/** Node raised the soft limit to the hard one at start; a low hard limit starves Litestream, S3 and media alike. */
function warnLowOpenFiles(ctx: HostContext): void {
  const limit = openFilesLimit();
  if (limit === undefined || limit >= LOW_OPEN_FILES) return;
  ctx.log.warn(
    { event: "supervisor.open_files_low", limit, control_connections: connectionCap(limit) },
    `only ${limit} open files allowed: raise it (LimitNOFILE= in the systemd unit, ulimit -n before hostctl up)`,
  );
}

/** `hostctl up`: runs until SIGTERM/SIGINT, then stops in the order that protects data and resolves 0. */
export async function runSupervisor(ctx: HostContext, options: SupervisorOptions): Promise<number> {
  const release = await acquireSupervisorLock(ctx.paths);
  warnLowOpenFiles(ctx);
  const supervisor = new Supervisor(ctx, options);
  let stopping: Promise<void> | undefined;
  let exitCode = 0;
  const done = new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      if (stopping) return;
      ctx.log.info({ event: "supervisor.stopping", signal }, "stopping: apps first, then Litestream");
      stopping = supervisor.stop().finally(resolve);
    };
    process.on("SIGTERM", () => shutdown("SIGTERM"));
    process.on("SIGINT", () => shutdown("SIGINT"));
    supervisor.requestStop = (reason, code) => {
      exitCode = code;
      shutdown(reason);
    };
  });
  try {
    await supervisor.start();
    await done;
  } finally {
    await release();
  }
  ctx.log.info({ event: "supervisor.stopped" }, "supervisor stopped");
  return exitCode;
}
