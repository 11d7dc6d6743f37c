import type { HostContext } from "../host/context.js";
import { acquireSupervisorLock } from "./supervisor-lock.js";
import { Supervisor } from "./supervisor.js";
import type { SupervisorOptions } from "./supervisor-options.js";

/** `hostctl up`: runs until SIGTERM/SIGINT, then stops in the order that protects data and resolves 0. */
export async function runSupervisor(ctx: HostContext, options: SupervisorOptions): Promise<number> {
  const release = await acquireSupervisorLock(ctx.paths);
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
