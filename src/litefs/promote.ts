import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import type { HostContext } from "../host/context.js";
import { loadApps } from "../apps/registry.js";
import type { LitefsHostConfig } from "../config/litefs-schema.js";
import { parseHostConfig } from "../config/host.js";
import type { HostConfig } from "../config/schema.js";
import { HostctlError, usageError } from "../lib/errors.js";
import { writeFileAtomic } from "../lib/fs.js";
import { acquireLease } from "../lease/lease.js";
import { loadHostId } from "../lease/host-id.js";
import { clearLeaseRecord } from "../lease/lease-record.js";
import { forgetLineage } from "../restore/lineage.js";
import { leaseNodeOf } from "./lease-node.js";
import { writeLitestreamConfigs } from "../litestream/config-files.js";
import { controlRequest } from "../supervisor/control-client.js";
import { fetchLitefsInfo } from "./api.js";
import { requireLitefs } from "./config-files.js";
import { isLitefsApp } from "./paths.js";
import { litefsPort } from "./ports.js";

export interface PromoteResult {
  node: string;
  previous_primary: string | undefined;
  lease: { took_from: string | undefined };
  apps: string[];
}

/** The supervisor holds hostctl.yml in memory: a role changes only while it is stopped. */
export async function refuseWhileSupervised(ctx: HostContext, what: string): Promise<void> {
  if ((await controlRequest(ctx.paths, "GET", "/status", undefined, 2000)) !== undefined) {
    throw new HostctlError(
      "SUPERVISOR_RUNNING",
      `hostctl up is running on this host: stop it before ${what} (its apps keep the role they started with)`,
      {
        hint: `systemctl stop hostctl (or stop hostctl up), then run the command again, then start it`,
      },
    );
  }
}

/** Edits only the litefs: section (comments kept), checks it and writes atomically (0600). */
async function rewriteLitefs(
  ctx: HostContext,
  edit: (doc: ReturnType<typeof parseDocument>) => void,
): Promise<HostConfig> {
  const file = ctx.paths.hostConfig;
  const doc = parseDocument(await readFile(file, "utf8"));
  edit(doc);
  const text = doc.toString();
  const host = parseHostConfig(text, file);
  // Both configs render before hostctl.yml changes: a problem leaves everything as it was.
  const apps = await loadApps(ctx.paths);
  await writeLitestreamConfigs(ctx.paths, host, apps, { dryRun: true });
  await writeFileAtomic(file, text, 0o600);
  await writeLitestreamConfigs(ctx.paths, host, apps);
  return host;
}

/** Two primaries would each take writes. */
async function refuseLivePrimary(litefs: LitefsHostConfig, apps: Parameters<typeof litefsPort>[1]): Promise<void> {
  const primary = litefs.primary;
  if (!primary) return;
  for (const spec of apps.filter(isLitefsApp)) {
    const url = `${primary.advertise}:${litefsPort(primary.port_base, apps, spec.name)}`;
    const info = await fetchLitefsInfo(url);
    if (info?.isPrimary) {
      throw new HostctlError(
        "LITEFS_FAILED",
        `the primary ${primary.node} still answers as primary for ${spec.name} (${url}): promoting now would make two primaries`,
        {
          hint: `stop hostctl on ${primary.node} first (or make sure it is gone), then: hostctl cluster promote`,
        },
      );
    }
  }
}

// The new primary runs Litestream, so it must hold the replica lease: refused while the old
// primary's lease is fresh unless `force` (the operator made sure the old primary is gone).
export async function promoteNode(ctx: HostContext, options: { force: boolean }): Promise<PromoteResult> {
  const litefs = requireLitefs(ctx.host, ctx.paths.hostConfig);
  if (litefs.lease !== "static")
    throw usageError("litefs.lease is consul: LiteFS elects the primary itself; there is nothing to promote");
  if (litefs.role === "candidate")
    throw usageError(`this node (${litefs.node}) is already the candidate (litefs.role: candidate)`);
  await refuseWhileSupervised(ctx, "promoting");
  const apps = await loadApps(ctx.paths);
  await refuseLivePrimary(litefs, apps);
  let lease;
  try {
    lease = await acquireLease(ctx, {
      hostId: await loadHostId(ctx.paths),
      takeover: options.force,
      litefs: leaseNodeOf(litefs),
    });
  } catch (error) {
    if (error instanceof HostctlError && error.code === "LEASE_HELD") {
      throw new HostctlError("LEASE_HELD", `${error.message}: the old primary may still be running`, {
        hint: `if ${litefs.primary?.node ?? "the old primary"} is truly gone (powered off, or its hostctl stopped): hostctl cluster promote --force`,
        cause: error,
      });
    }
    throw error;
  }
  await rewriteLitefs(ctx, (doc) => {
    doc.setIn(["litefs", "role"], "candidate");
    doc.deleteIn(["litefs", "primary"]);
  });
  // Copies that came from the primary through LiteFS carry on the replica's lineage.
  for (const spec of apps.filter(isLitefsApp)) await forgetLineage(ctx.paths, spec.name);
  return {
    node: litefs.node,
    previous_primary: litefs.primary?.node,
    lease: { took_from: lease.took_from },
    apps: apps.filter(isLitefsApp).map((a) => a.name),
  };
}

export interface RejoinOptions {
  node: string;
  advertise: string;
  frontDoor: string;
  portBase?: number;
}

// LiteFS replaces the node's copy with the primary's on connecting: writes it took after the
// failover are given up.
export async function rejoinAsReplica(
  ctx: HostContext,
  options: RejoinOptions,
): Promise<{ node: string; primary: string }> {
  const litefs = requireLitefs(ctx.host, ctx.paths.hostConfig);
  if (options.node === litefs.node)
    throw usageError(`argument --primary: ${options.node} is this node; a node cannot follow itself`);
  await refuseWhileSupervised(ctx, "rejoining");
  await clearLeaseRecord(ctx.paths);
  for (const spec of (await loadApps(ctx.paths)).filter(isLitefsApp)) await forgetLineage(ctx.paths, spec.name);
  ctx.log.warn(
    { event: "litefs.rejoined", node: litefs.node, primary: options.node },
    `rejoining as a replica of ${options.node}`,
  );
  await rewriteLitefs(ctx, (doc) => {
    doc.setIn(["litefs", "role"], "replica");
    doc.setIn(
      ["litefs", "primary"],
      doc.createNode({
        node: options.node,
        advertise: options.advertise,
        port_base: options.portBase ?? litefs.port_base,
        front_door: options.frontDoor,
      }),
    );
  });
  return { node: litefs.node, primary: options.node };
}
