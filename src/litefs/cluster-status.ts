import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LitefsHostConfig } from "../config/litefs-schema.js";
import type { AppSpec } from "../config/schema.js";
import type { HostPaths } from "../config/paths.js";
import { fetchLitefsInfo, localApiUrl } from "./api.js";
import { isLitefsApp, litefsPaths } from "./paths.js";
import { litefsPort } from "./ports.js";

export interface DatabasePosition {
  name: string;
  /** From LiteFS's <db>-pos file (TXID/checksum); undefined when the mount is not up. */
  txid: number | undefined;
  /** The primary's TXID (its /metrics), on a replica. */
  primary_txid?: number | undefined;
  /** Transactions this replica is behind the primary. */
  behind?: number | undefined;
  /** LiteFS's own measure of replication lag (litefs_db_lag_seconds) on this node. */
  lag_s?: number | undefined;
}

export interface AppClusterStatus {
  app: string;
  node: string;
  /** What LiteFS says now; "down" when its API does not answer. */
  role: "primary" | "replica" | "down";
  /** The role hostctl.yml gives this node. */
  configured: LitefsHostConfig["role"];
  primary: string | undefined;
  databases: DatabasePosition[];
}

/** Pure: LiteFS's <db>-pos text ("000000000000002a/8e2b…") → the TXID. */
export function parsePos(text: string): number | undefined {
  const match = /^([0-9a-f]{16})\//.exec(text.trim());
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 16);
}

/** Pure: one gauge per database from LiteFS's Prometheus text (`name{db="x"} value`). */
export function parseGauge(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  const pattern = new RegExp(`^${name}\\{db="([^"]+)"\\} (\\S+)$`);
  for (const line of text.split("\n")) {
    const match = pattern.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined) out.set(match[1], Number(match[2]));
  }
  return out;
}

async function metrics(apiUrl: string): Promise<string> {
  try {
    const response = await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? await response.text() : "";
  } catch {
    return "";
  }
}

async function readPos(mount: string, db: string): Promise<number | undefined> {
  try {
    return parsePos(await readFile(join(mount, `${db}-pos`), "utf8"));
  } catch {
    return undefined;
  }
}

/** From each mount and LiteFS's API (and the primary's, on a replica). */
export async function clusterStatus(
  paths: HostPaths,
  litefs: LitefsHostConfig,
  apps: readonly AppSpec[],
): Promise<AppClusterStatus[]> {
  return Promise.all(
    apps.filter(isLitefsApp).map(async (spec) => {
      const port = litefsPort(litefs.port_base, apps, spec.name);
      const api = localApiUrl(litefs, port);
      const info = await fetchLitefsInfo(api);
      const own = await metrics(api);
      const isReplica = info !== undefined && !info.isPrimary;
      const primaryMetrics =
        isReplica && litefs.primary
          ? await metrics(`${litefs.primary.advertise}:${litefsPort(litefs.primary.port_base, apps, spec.name)}`)
          : "";
      const lag = parseGauge(own, "litefs_db_lag_seconds");
      const primaryTxids = parseGauge(primaryMetrics, "litefs_db_txid");
      const mount = litefsPaths(paths, spec.name).mount;
      const databases = await Promise.all(
        spec.databases.map(async (db): Promise<DatabasePosition> => {
          const txid = info ? await readPos(mount, db.path) : undefined;
          if (!isReplica) return { name: db.path, txid };
          const primaryTxid = primaryTxids.get(db.path);
          return {
            name: db.path,
            txid,
            primary_txid: primaryTxid,
            lag_s: lag.get(db.path),
            behind: txid !== undefined && primaryTxid !== undefined ? Math.max(0, primaryTxid - txid) : undefined,
          };
        }),
      );
      return {
        app: spec.name,
        node: litefs.node,
        configured: litefs.role,
        role: info === undefined ? "down" : info.isPrimary ? "primary" : "replica",
        primary: info === undefined ? undefined : info.isPrimary ? litefs.node : info.primary || undefined,
        databases,
      };
    }),
  );
}
