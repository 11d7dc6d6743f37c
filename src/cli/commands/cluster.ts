import type { CommandResult, Deps } from "../deps.js";
import { table } from "../output.js";
import { loadHostContext } from "../../host/context.js";
import { loadApps } from "../../apps/registry.js";
import { usageError } from "../../lib/errors.js";
import { clusterStatus, type DatabasePosition } from "../../litefs/cluster-status.js";
import { requireLitefs } from "../../litefs/config-files.js";
import { promoteNode, rejoinAsReplica } from "../../litefs/promote.js";
import { loadHostConfig } from "../../config/host.js";

function position(db: DatabasePosition): string {
  const own = db.txid === undefined ? "?" : String(db.txid);
  if (db.primary_txid === undefined && db.lag_s === undefined) return `${db.name}@${own}`;
  return `${db.name}@${own} (${db.behind === undefined ? "behind ?" : `${db.behind} behind`}${db.lag_s === undefined ? "" : `, lag ${db.lag_s}s`})`;
}

/** Each LiteFS app's role on this node, its primary, and positions (and lag on a replica). */
export async function status(deps: Deps): Promise<CommandResult> {
  const host = await loadHostConfig(deps.paths);
  const litefs = requireLitefs(host, deps.paths.hostConfig);
  const apps = await clusterStatus(deps.paths, litefs, await loadApps(deps.paths));
  const rows = [
    ["APP", "NODE", "ROLE", "CONFIGURED", "PRIMARY", "DATABASES"],
    ...apps.map((a) => [a.app, a.node, a.role, a.configured, a.primary ?? "-", a.databases.map(position).join(", ")]),
  ];
  return {
    text: apps.length === 0 ? "no LiteFS apps on this host" : table(rows),
    data: { node: litefs.node, role: litefs.role, apps },
  };
}

export interface PromoteOptions {
  force?: boolean;
}

export async function promote(options: PromoteOptions, deps: Deps): Promise<CommandResult> {
  const ctx = await loadHostContext(deps);
  const result = await promoteNode(ctx, { force: options.force ?? false });
  const old = result.previous_primary ?? "the old primary";
  return {
    text: [
      `${result.node} is now the candidate (primary) for ${result.apps.join(", ") || "no LiteFS apps"}; it holds the replica lease${result.lease.took_from ? ` (taken from ${result.lease.took_from})` : ""}.`,
      "next: start it (systemctl start hostctl, or hostctl up): it mounts as primary with the data it has, and runs Litestream.",
      `${old} must not start as primary again: there, before starting it, run hostctl cluster rejoin --primary ${result.node} --primary-advertise URL --primary-front-door URL`,
    ].join("\n"),
    data: result,
  };
}

export interface RejoinFlags {
  primary?: string;
  primaryAdvertise?: string;
  primaryFrontDoor?: string;
  primaryPortBase?: string;
}

export async function rejoin(options: RejoinFlags, deps: Deps): Promise<CommandResult> {
  const { primary, primaryAdvertise, primaryFrontDoor } = options;
  if (!primary || !primaryAdvertise || !primaryFrontDoor)
    throw usageError("cluster rejoin needs --primary NODE, --primary-advertise URL and --primary-front-door URL");
  const portBase = options.primaryPortBase === undefined ? undefined : Number(options.primaryPortBase);
  if (portBase !== undefined && !Number.isInteger(portBase))
    throw usageError(
      `argument --primary-port-base: expected an integer, got ${JSON.stringify(options.primaryPortBase)}`,
    );
  const ctx = await loadHostContext(deps);
  const result = await rejoinAsReplica(ctx, {
    node: primary,
    advertise: primaryAdvertise,
    frontDoor: primaryFrontDoor,
    portBase,
  });
  return {
    text: `${result.node} now follows ${result.primary} as a replica; start it (hostctl up): LiteFS replaces its copy with the primary's.`,
    data: result,
  };
}
