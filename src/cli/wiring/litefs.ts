import type { HostContext } from "../../host/context.js";
import type { Supervisor } from "../../supervisor/supervisor.js";
import { DeployPollLoop } from "../../deploy/poll-loop.js";
import { HostctlError } from "../../lib/errors.js";
import { wireStatusPage } from "../../status-page/wire.js";

/**
 * A LiteFS replica host (litefs.role: replica) never writes to the replica target: it takes no replica lease
 * (the primary holds it), ships no media, mirrors no registry, runs no drills or jobs (their writes belong
 * on the primary). It follows the primary through LiteFS and polls for deploys like any host.
 */
export function isLitefsReplicaHost(ctx: HostContext): boolean {
  return ctx.host.litefs?.role === "replica";
}

export function extendLitefsReplica(supervisor: Supervisor): Promise<void> {
  supervisor.ctx.log.info(
    { event: "litefs.replica_host", primary: supervisor.ctx.host.litefs?.primary?.node },
    "LiteFS replica host: no replica lease, backups, drills or jobs here (the primary runs them)",
  );
  supervisor.addStatus(() => ({ lease: { state: "not taken (LiteFS replica host)" } }));
  supervisor.attach(new DeployPollLoop(supervisor.ctx, { fenced: () => supervisor.fenced !== undefined }));
  return wireStatusPage(supervisor);
}

/** A LiteFS candidate refused the replica lease is most likely an old primary after a failover: say how it rejoins. */
export function withRejoinHint(ctx: HostContext, error: unknown): unknown {
  if (!(error instanceof HostctlError) || error.code !== "LEASE_HELD" || ctx.host.litefs?.role !== "candidate") return error;
  return new HostctlError("LEASE_HELD", error.message, {
    cause: error,
    hint: `if another node was promoted (hostctl cluster promote), this node must not be primary again: hostctl cluster rejoin --primary NODE --primary-advertise URL --primary-front-door URL (docs/litefs.md); else: ${error.hint ?? "hostctl up --takeover"}`,
  });
}
