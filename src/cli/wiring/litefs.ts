import type { HostContext } from "../../apps/context.js";
import type { Supervisor } from "../../supervisor/main.js";
import { wirePolling } from "./polling.js";

/**
 * A LiteFS replica host (litefs.role: replica) never writes to the replica target: it takes no replica lease
 * (the primary holds it), ships no media, mirrors no registry, runs no drills or jobs (their writes belong
 * on the primary). It follows the primary through LiteFS and polls for deploys like any host.
 */
export function isLitefsReplicaHost(ctx: HostContext): boolean {
  return ctx.host.litefs?.role === "replica";
}

export function extendLitefsReplica(supervisor: Supervisor): Promise<void> {
  supervisor.ctx.log.info({ event: "litefs.replica_host", primary: supervisor.ctx.host.litefs?.primary?.node }, "LiteFS replica host: no replica lease, backups, drills or jobs here (the primary runs them)");
  supervisor.addStatus(() => ({ lease: { state: "not taken (LiteFS replica host)" } }));
  wirePolling(supervisor);
  return Promise.resolve();
}
