import { posix } from "node:path";
import type { HostContext } from "../host/context.js";
import type { AppSpec } from "../config/schema.js";
import { controlKey } from "../config/replica.js";
import { appPaths, type HostPaths } from "../config/paths.js";
import { HostctlError, errorMessage } from "../lib/errors.js";
import { readJsonFile, writeJsonFile } from "../lib/json-file.js";
import type { DatabaseRestore } from "./restore-app.js";

/** Goes up each time a different copy starts writing the replica; a copy with a lower number was
 * replaced, and replicating it would put older data over newer. Engine-independent. */
export interface LineageRecord {
  lineage: number;
  host_id: string;
  at: string;
}

export type LineageDecision =
  | { action: "keep" }
  | { action: "advance"; lineage: number }
  | { action: "refuse"; local: number; replica: LineageRecord };

/** Pure: a local copy without a number (older hostctl, a LiteFS primary's) is taken as current;
 * the lease fence covers it. */
export function lineageDecision(
  replica: LineageRecord | undefined,
  local: number | undefined,
  fromReplica: boolean,
  hostId: string,
): LineageDecision {
  const base = Math.max(replica?.lineage ?? 0, local ?? 0);
  if (fromReplica || replica === undefined || local === undefined) return { action: "advance", lineage: base + 1 };
  if (local < replica.lineage || (local === replica.lineage && replica.host_id !== hostId))
    return { action: "refuse", local, replica };
  return local === replica.lineage ? { action: "keep" } : { action: "advance", lineage: base + 1 };
}

export function lineageKey(ctx: Pick<HostContext, "store">, app: string, dbPath: string): string {
  return controlKey(ctx.store.target, "lineage", app, `${posix.basename(dbPath)}.json`);
}

interface LocalState {
  lineage?: Record<string, number>;
}

/** Refuses (LINEAGE_SUPERSEDED) a database older than the replica's lineage: none of it ships. */
export async function claimLineage(
  ctx: HostContext,
  spec: AppSpec,
  databases: DatabaseRestore[],
  hostId: string,
): Promise<void> {
  const file = appPaths(ctx.paths, spec.name).state;
  for (const db of spec.databases) {
    const action = databases.find((d) => d.path === db.path)?.action;
    let replica: LineageRecord | undefined;
    try {
      replica = await readReplicaLineage(ctx, spec.name, db.path);
    } catch (error) {
      // As with the lease (take.ts): Litestream cannot write while S3 cannot be read, and the lease
      // keeper stops it if another host holds the lease once S3 answers.
      ctx.log.warn(
        { event: "lineage.unchecked", app: spec.name, database: db.path, reason: errorMessage(error) },
        "could not read the replica's lineage; starting Litestream unchecked (the lease still fences it)",
      );
      continue;
    }
    const local = (await readJsonFile<LocalState>(file))?.lineage?.[db.path];
    const decision = lineageDecision(replica, local, action === "restored" || action === "fresh", hostId);
    if (decision.action === "refuse") throw lineageError(ctx, spec.name, db.path, decision);
    if (decision.action === "keep") continue;
    // Local first: a failed replica write leaves this copy ahead, never behind.
    const state = (await readJsonFile<Record<string, unknown> & LocalState>(file)) ?? {};
    await writeJsonFile(file, { ...state, lineage: { ...state.lineage, [db.path]: decision.lineage } });
    const record: LineageRecord = { lineage: decision.lineage, host_id: hostId, at: ctx.clock.now().toISOString() };
    await ctx.store.put(lineageKey(ctx, spec.name, db.path), `${JSON.stringify(record)}\n`).catch((error: unknown) => {
      ctx.log.warn(
        { event: "lineage.write_failed", app: spec.name, database: db.path, reason: errorMessage(error) },
        "could not record the lineage in the replica; this copy claims the next number at its next start",
      );
    });
  }
}

/** Rejoin: this host follows the replica; its copies no longer claim a lineage of their own. */
export async function forgetLineage(paths: HostPaths, app: string, dbPaths?: string[]): Promise<void> {
  const file = appPaths(paths, app).state;
  const state = await readJsonFile<Record<string, unknown> & LocalState>(file);
  if (state?.lineage === undefined) return;
  const lineage = Object.fromEntries(
    Object.entries(state.lineage).filter(([db]) => dbPaths !== undefined && !dbPaths.includes(db)),
  );
  await writeJsonFile(file, { ...state, lineage });
}

async function readReplicaLineage(ctx: HostContext, app: string, dbPath: string): Promise<LineageRecord | undefined> {
  const body = await ctx.store.get(lineageKey(ctx, app, dbPath));
  if (body === undefined) return undefined;
  try {
    const parsed = JSON.parse(body.toString("utf8")) as Partial<LineageRecord>;
    if (typeof parsed.lineage === "number" && typeof parsed.host_id === "string") return parsed as LineageRecord;
  } catch {
    // fall through: an unreadable record counts as none, as an unreadable lease does
  }
  return undefined;
}

function lineageError(
  ctx: HostContext,
  app: string,
  dbPath: string,
  refused: { local: number; replica: LineageRecord },
): HostctlError {
  return new HostctlError(
    "LINEAGE_SUPERSEDED",
    `${app}/${dbPath}: this copy belongs to lineage ${refused.local}, but ${ctx.store.url} holds lineage ${refused.replica.lineage} (written by host ${refused.replica.host_id} at ${refused.replica.at}): replicating it would put older data over newer, so Litestream does not start and nothing is written to the replica`,
    {
      hint: "stop hostctl here, run hostctl rejoin (this host's databases are set aside and restored from the replica), then hostctl up",
    },
  );
}
