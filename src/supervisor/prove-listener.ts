import { HostctlError } from "../lib/errors.js";
import { portListeners } from "./port-owner.js";

// Every listener on the port must be in the started web's group; otherwise the answer came from
// a stray (an older release's untracked web) and the deploy must not report success.
export async function proveListener(port: number, webPid: number | undefined): Promise<void> {
  const listeners = await portListeners(port);
  // A web process that died binding the port (EADDRINUSE) leaves the stray as the one to name.
  const strays = listeners.filter((l) => webPid === undefined || l.pgid !== webPid);
  if (strays.length > 0) {
    const pids = strays.map((s) => s.pid).join(", ");
    const ours = webPid === undefined ? "which is not running" : `pid ${webPid}`;
    throw new HostctlError(
      "DEPLOY_FAILED",
      `port ${port} is held by pid ${pids}, not by the web process the supervisor started (${ours}): a stray answered the health check`,
      { hint: `see: ps -o pid,pgid,args -p ${strays.map((s) => s.pid).join(",")}` },
    );
  }
  if (webPid === undefined)
    throw new HostctlError("DEPLOY_FAILED", `port ${port} answered, but the release's web process is not running`);
}
