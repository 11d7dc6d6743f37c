import type { HostContext } from "../../host/context.js";
import type { Supervisor } from "../../supervisor/supervisor.js";
import { DeployPollLoop } from "../../deploy/poll-loop.js";
import { HostctlError } from "../../lib/errors.js";
import type { LeaseNode } from "../../lease/decision.js";
import { LeaseHolderError } from "../../lease/superseded.js";
import { leaseNodeOf } from "../../litefs/lease-node.js";
import { wireStatusPage } from "../../status-page/wire.js";

// Never writes to the replica target: no lease, media, registry, drills or jobs (those belong on
// the primary). It follows the primary through LiteFS and polls for deploys.
export function isLitefsReplicaHost(ctx: HostContext): boolean {
  return ctx.host.litefs?.role === "replica";
}

/** Resolves what closes the status page. */
export function extendLitefsReplica(supervisor: Supervisor): Promise<() => Promise<void>> {
  supervisor.ctx.log.info(
    { event: "litefs.replica_host", primary: supervisor.ctx.host.litefs?.primary?.node },
    "LiteFS replica host: no replica lease, backups, drills or jobs here (the primary runs them)",
  );
  supervisor.addStatus(() => ({ lease: { state: "not taken (LiteFS replica host)" } }));
  supervisor.attach(new DeployPollLoop(supervisor.ctx, { fenced: () => supervisor.fenced !== undefined }));
  return wireStatusPage(supervisor);
}

/** A static-lease candidate is the primary: its lease names it for an old primary's rejoin hint. */
export function candidateLeaseNode(ctx: HostContext): LeaseNode | undefined {
  const litefs = ctx.host.litefs;
  return litefs?.role === "candidate" && litefs.lease === "static" ? leaseNodeOf(litefs) : undefined;
}

/** Pure: the `cluster rejoin` line to follow the lease's holder (a URL if the lease can't say). */
export function rejoinCommand(ctx: HostContext, primary: LeaseNode | undefined): string {
  const litefs = ctx.host.litefs;
  if (primary === undefined)
    return "hostctl cluster rejoin --primary NODE --primary-advertise URL --primary-front-door URL";
  const frontDoor = primary.front_door ?? litefs?.front_doors[primary.node] ?? "URL";
  return [
    `hostctl cluster rejoin --primary ${primary.node} --primary-advertise ${primary.advertise} --primary-front-door ${frontDoor}`,
    ...(primary.port_base === litefs?.port_base ? [] : [`--primary-port-base ${primary.port_base}`]),
  ].join(" ");
}

// A refused LiteFS candidate is most likely an old primary after failover: it must rejoin as a
// replica, not use --takeover.
export function withRejoinHint(ctx: HostContext, error: HostctlError): HostctlError {
  if (ctx.host.litefs?.role !== "candidate") return error;
  if (error.code !== "LEASE_HELD" && error.code !== "LEASE_SUPERSEDED") return error;
  const rejoin = rejoinCommand(ctx, error instanceof LeaseHolderError ? error.holder.litefs : undefined);
  const hint =
    error.code === "LEASE_SUPERSEDED"
      ? `this node was primary and another node was promoted since: make it a replica of the new primary (LiteFS replaces its copy with the primary's), then start it: ${rejoin} (docs/litefs.md)`
      : `if another node was promoted (hostctl cluster promote), this node must not be primary again: ${rejoin} (docs/litefs.md); else: ${error.hint ?? "hostctl up --takeover"}`;
  return new HostctlError(error.code, error.message, { cause: error, hint });
}
